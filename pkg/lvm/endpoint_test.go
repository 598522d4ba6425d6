package lvm

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		spec string
		want Endpoint
	}{
		{"file:/tmp/somefile", Endpoint{Kind: File, Path: "/tmp/somefile"}},
		{"lvm:/dev/vg/lv", Endpoint{Kind: LV, Path: "/dev/vg/lv", VG: "vg", LV: "lv"}},
		{"dev:/dev/sda", Endpoint{Kind: Dev, Path: "/dev/sda"}},
		{"file:host:/tmp/somefile", Endpoint{Kind: File, Host: "host", Path: "/tmp/somefile"}},
		{"lvm:backup01.example.org:/dev/vg_backup/lv_test_bk", Endpoint{Kind: LV, Host: "backup01.example.org", Path: "/dev/vg_backup/lv_test_bk", VG: "vg_backup", LV: "lv_test_bk"}},
		{"dev:root@host:/dev/sdb", Endpoint{Kind: Dev, User: "root", Host: "host", Path: "/dev/sdb"}},
		{"file:[host]:2222:/srv/x", Endpoint{Kind: File, Host: "host", Port: 2222, Path: "/srv/x"}},
		{"file:backup@[2001:db8::7]:22:/srv/x", Endpoint{Kind: File, User: "backup", Host: "2001:db8::7", Port: 22, Path: "/srv/x"}},
		{"file:[2001:db8::7]:/srv/x", Endpoint{Kind: File, Host: "2001:db8::7", Path: "/srv/x"}},
		{"file:127.0.0.1:/a//b/../c", Endpoint{Kind: File, Host: "127.0.0.1", Path: "/a/c"}},
	}
	for _, tt := range tests {
		got, err := ParseEndpoint(tt.spec)
		if err != nil {
			t.Errorf("%s: %v", tt.spec, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.spec, diff)
		}
		back, err := ParseEndpoint(got.String())
		if err != nil || !cmp.Equal(back, got) {
			t.Errorf("%s: String() %q reads back as %+v, %v", tt.spec, got.String(), back, err)
		}
	}
}

func TestParseEndpointErrors(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"/tmp/x", "expected KIND:PATH"},
		{"disk:/tmp/x", `unknown kind "disk"`},
		{"file:", "expected HOST:PATH"},
		{"file:tmp/x", "expected HOST:PATH"},
		{"file:host:tmp/x", `path "tmp/x" is not absolute`},
		{"lvm:/dev/vg", "a logical volume is /dev/VG/LV"},
		{"lvm:/dev/vg/lv/x", "a logical volume is /dev/VG/LV"},
		{"lvm:/srv/vg/lv", "a logical volume is /dev/VG/LV"},
		{"lvm:/dev/vg/l$v", `"l$v" is not a valid LVM name`},
		{"dev:/srv/sdb", "a device is under /dev"},
		{"file:[host:/x", "missing ']'"},
		{"file:[host]:99999:/x", `port "99999" is not 1 to 65535`},
		{"file:[host]:22", "expected :PATH after the port"},
		{"file:b@d user@host:/x", `"d user@host" is not a host name`},
		{"file:ho_st:/x", `"ho_st" is not a host name`},
		{"file:2001:db8::7:/x", "an IPv6 host goes in brackets"},
		{"file:@host:/x", "is not a valid user name"},
	}
	for _, tt := range tests {
		_, err := ParseEndpoint(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.spec) {
			t.Errorf("%s: %v, want an error naming the spec and %q", tt.spec, err, tt.want)
		}
	}
}

func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"file:/x", "lvm:h:/dev/v/l", "dev:u@[::1]:22:/dev/sda", "file:[h]:/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		e, err := ParseEndpoint(spec)
		if err != nil {
			return
		}
		back, err := ParseEndpoint(e.String())
		if err != nil || !cmp.Equal(back, e) {
			t.Fatalf("%q: %+v renders %q, which reads back as %+v, %v", spec, e, e.String(), back, err)
		}
	})
}
