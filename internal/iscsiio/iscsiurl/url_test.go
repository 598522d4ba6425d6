package iscsiurl

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormat(t *testing.T) {
	v4 := netip.MustParseAddrPort("198.51.100.1:3260")
	v6 := netip.MustParseAddrPort("[2001:db8:100::1]:3261")
	tests := []struct {
		name          string
		portal        netip.AddrPort
		user, pw, iqn string
		lun           int
		want          string
	}{
		{"lun", v4, "", "", "iqn.2001-04.com.example:t1", 1, "iscsi://198.51.100.1:3260/iqn.2001-04.com.example:t1/1"},
		{"portal only", v4, "", "", "", 7, "iscsi://198.51.100.1:3260"},
		{"chap", v4, "alice", "s3cr3t/pw:%", "iqn.2001-04.com.example:t1", 0, "iscsi://alice%s3cr3t/pw:%@198.51.100.1:3260/iqn.2001-04.com.example:t1/0"},
		{"user without password", v4, "alice", "", "", 0, "iscsi://alice@198.51.100.1:3260"},
		{"ipv6", v6, "", "", "iqn.2001-04.com.example:t1", 2, "iscsi://[2001:db8:100::1]:3261/iqn.2001-04.com.example:t1/2"},
		{"escaped target", v4, "", "", "iqn.x:a%b/c@d", 3, "iscsi://198.51.100.1:3260/iqn.x:a%25b%2Fc%40d/3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Format(tt.portal, tt.user, tt.pw, tt.iqn, tt.lun)
			if err != nil || got != tt.want {
				t.Errorf("Format = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestFormatRefuses(t *testing.T) {
	v4 := netip.MustParseAddrPort("198.51.100.1:3260")
	tests := []struct {
		name     string
		portal   netip.AddrPort
		user, pw string
		lun      int
	}{
		{"invalid portal", netip.AddrPort{}, "", "", 0},
		{"password without user", v4, "", "topsecret", 0},
		{"user with percent", v4, "al%ice", "topsecret", 0},
		{"user with at", v4, "al@ice", "topsecret", 0},
		{"password with at", v4, "alice", "top@secret", 0},
		{"password with question mark", v4, "alice", "top?secret", 0},
		{"password with space", v4, "alice", "top secret", 0},
		{"negative lun", v4, "", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Format(tt.portal, tt.user, tt.pw, "iqn.x:t", tt.lun)
			if err == nil {
				t.Fatalf("Format = %q, want an error", got)
			}
			if tt.pw != "" && strings.Contains(err.Error(), tt.pw) {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestRedactAndSecrets(t *testing.T) {
	tests := []struct {
		url         string
		want        string
		wantSecrets []string
	}{
		{"iscsi://198.51.100.1:3260/iqn.x:t/1", "iscsi://198.51.100.1:3260/iqn.x:t/1", nil},
		{"iscsi://alice%topsecret@198.51.100.1:3260/iqn.x:t/1", "iscsi://alice%xxxxx@198.51.100.1:3260/iqn.x:t/1", []string{"topsecret"}},
		{"iscsi://alice:topsecret@198.51.100.1", "iscsi://alice:xxxxx@198.51.100.1", []string{"topsecret"}},
		{"iscsi://alice@198.51.100.1", "iscsi://alice@198.51.100.1", nil},
		{"iscsi://alice%@198.51.100.1", "iscsi://alice%@198.51.100.1", nil},
		// libiscsi takes the first '%' as the separator: the rest is the password.
		{"iscsi://alice%a%b/c@198.51.100.1", "iscsi://alice%xxxxx@198.51.100.1", []string{"a%b/c"}},
		{"iscsi://a%pw@[2001:db8::1]:3260?target_user=t&target_password=tsecret", "iscsi://a%xxxxx@[2001:db8::1]:3260?target_user=t&target_password=xxxxx", []string{"pw", "tsecret"}},
		{"iser://a%pw@h/iqn.x:t/0", "iser://a%xxxxx@h/iqn.x:t/0", []string{"pw"}},
		{"not a url a%pw@h", "not a url a%pw@h", nil},
	}
	for _, tt := range tests {
		if got := Redact(tt.url); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.url, got, tt.want)
		}
		if diff := cmp.Diff(tt.wantSecrets, Secrets(tt.url)); diff != "" {
			t.Errorf("Secrets(%q) (-want +got):\n%s", tt.url, diff)
		}
	}
}

func TestRedactText(t *testing.T) {
	text := "iscsi-io capacity: parse url iscsi://alice%topsecret@198.51.100.1:3260: Invalid URL iscsi://alice%topsecret@198.51.100.1:3260\nalso topsecret alone"
	want := "iscsi-io capacity: parse url iscsi://alice%xxxxx@198.51.100.1:3260: Invalid URL iscsi://alice%xxxxx@198.51.100.1:3260\nalso xxxxx alone"
	if got := RedactText(text, "topsecret", ""); got != want {
		t.Errorf("RedactText = %q, want %q", got, want)
	}
}

// FuzzRedact checks that Secrets finds the password of a URL Format
// builds, and that Redact and RedactText mask it.
func FuzzRedact(f *testing.F) {
	f.Add("alice", "topsecret", "iqn.2001-04.com.example:t1")
	f.Add("a", "%:/", "")
	f.Add("", "", "iqn.x:%40")
	f.Fuzz(func(t *testing.T, user, pw, iqn string) {
		u, err := Format(netip.MustParseAddrPort("198.51.100.1:3260"), user, pw, iqn, 1)
		if err != nil {
			return
		}
		if pw != "" {
			if diff := cmp.Diff([]string{pw}, Secrets(u)); diff != "" {
				t.Fatalf("Secrets(%q) (-want +got):\n%s", u, diff)
			}
		}
		if pw != "" {
			want, err := Format(netip.MustParseAddrPort("198.51.100.1:3260"), user, Mask, iqn, 1)
			if err != nil || Redact(u) != want {
				t.Fatalf("Redact(%q) = %q, want %q (%v)", u, Redact(u), want, err)
			}
		}
		if got := RedactText("x "+u+" y", Secrets(u)...); pw != "" && !strings.Contains(Mask, pw) && strings.Contains(got, pw) {
			t.Fatalf("RedactText leaves %q in %q", pw, got)
		}
	})
}
