package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAliasArgs(t *testing.T) {
	tests := []struct {
		argv []string
		want []string
	}{
		{[]string{"/usr/sbin/lvm_copy", "-s", "a", "-t", "b", "-z"}, []string{"lvmcopy", "copy", "-s", "a", "-t", "b", "-z"}},
		{[]string{"lvm_snap_create", "-s", "a", "-n", "10G"}, []string{"lvmcopy", "snap", "create", "-s", "a", "-n", "10G"}},
		{[]string{"lvm_snap_remove", "-s", "a"}, []string{"lvmcopy", "snap", "remove", "-s", "a"}},
		{[]string{"lvm_snap_copy", "-s", "a", "-t", "b"}, []string{"lvmcopy", "snap", "copy", "-s", "a", "-t", "b"}},
		{[]string{"lvm_iostat", "-r"}, []string{"lvmcopy", "iostat", "-r"}},
		{[]string{"lvmcopy", "copy"}, []string{"lvmcopy", "copy"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, aliasArgs(tt.argv)); diff != "" {
			t.Errorf("%v: %s", tt.argv, diff)
		}
	}
}

func TestCopyLocalFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 4095, 4<<20 + 1, 9<<20 + 513} {
		src, sum := randomFile(t, dir, "src", n)
		dst := filepath.Join(dir, "dst")
		for _, buffered := range []bool{false, true} {
			args := []string{"copy", "-s", "file:" + src, "-t", "file:" + dst, "--verify", "--json"}
			if buffered {
				args = append(args, "--buffered")
			}
			r := mustCopy(t, args...)
			var rep struct {
				Bytes      int64  `json:"bytes"`
				SourceSum  string `json:"source_sum"`
				TargetSum  string `json:"target_sum"`
				Unbuffered bool   `json:"unbuffered"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("%v\n%s", err, r)
			}
			if rep.Bytes != int64(n) || rep.SourceSum != sum || rep.TargetSum != sum || md5sum(t, dst) != sum {
				t.Errorf("%d bytes, buffered %v: %+v, md5sum %s, want %s", n, buffered, rep, md5sum(t, dst), sum)
			}
			// The test directory is on a filesystem with direct I/O
			// (ext4 in CI): the target is written unbuffered unless told.
			if rep.Unbuffered == buffered {
				t.Errorf("%d bytes, --buffered %v: unbuffered %v", n, buffered, rep.Unbuffered)
			}
		}
	}
}

func TestCopyCompressedAndSparse(t *testing.T) {
	dir := t.TempDir()
	src, sum := randomFile(t, dir, "src", 6<<20+7)
	gz := filepath.Join(dir, "dst.gz")
	mustCopy(t, "copy", "-s", "file:"+src, "-t", "file:"+gz, "-z", "--verify", "--hash", "blake3")
	if got := gunzipSum(t, gz); got != sum {
		t.Errorf("gunzip | md5sum = %s, want %s", got, sum)
	}
	zst := filepath.Join(dir, "dst.zst")
	mustCopy(t, "copy", "-s", "file:"+src, "-t", "file:"+zst, "--compress", "zstd", "--verify", "--hash", "xxh3")
	sparse := filepath.Join(dir, "sparse")
	r := mustCopy(t, "copy", "-s", "file:"+src, "-t", "file:"+sparse, "--sparse", "--verify")
	if md5sum(t, sparse) != sum || !strings.Contains(r.stdout, "of zeros became holes") {
		t.Errorf("sparse copy:\n%s", r)
	}
	var st syscall.Stat_t
	syscall.Stat(sparse, &st)
	if st.Blocks*512 > 6<<20 {
		t.Errorf("no holes: %d bytes allocated", st.Blocks*512)
	}
}

// TestCopyRefusals: each refusal names what and where, exits non-zero,
// and writes nothing.
func TestCopyRefusals(t *testing.T) {
	dir := t.TempDir()
	src, _ := randomFile(t, dir, "src", 1000)
	dst := filepath.Join(dir, "must-not-exist")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"copy", "-s", "file:" + src, "-t", "file:" + src}, 2, "source and target are the same"},
		{[]string{"copy", "-s", "file:" + src, "-t", "file:" + dir + "/../" + filepath.Base(dir) + "/src"}, 2, "source and target are the same"},
		{[]string{"copy", "-s", "file:" + filepath.Join(dir, "missing"), "-t", "file:" + dst}, 1, "missing: no such file or directory"},
		{[]string{"copy", "-s", "disk:" + src, "-t", "file:" + dst}, 2, `--source: endpoint "disk:`},
		{[]string{"copy", "-s", "file:" + src, "-t", "lvm:/dev/vg/lv", "-z"}, 2, "compression needs a file target"},
		{[]string{"copy", "-s", "file:" + src, "-t", "file:" + dst, "--hash", "sha1"}, 2, `unknown hash "sha1"`},
		{[]string{"copy", "-s", "file:" + src}, 2, "--target (-t) is required"},
		{[]string{"copy", "-s", "file:" + src, "-t", "file:" + dst, "--compress", "lz4"}, 2, `--compress "lz4"`},
		{[]string{"copy", "-s", "file:" + src, "-t", "file:" + dst, "--min-rate-fail"}, 2, "--min-rate-fail needs a minimum rate"},
		{[]string{"copy", "-s", "file:" + src, "-t", "dev:/dev/ietkit-no-such-device"}, 1, "ietkit-no-such-device: no such file or directory"},
		{[]string{"copy", "-s", "file:" + src, "-t", "dev:" + filepath.Join(dir, "nodev")}, 2, "a device is under /dev"},
		{[]string{"copy", "-s", "file:" + src, "-t", "file:" + dst, "--config", writeConf(t, dir, "ENABLE_MD5=maybe\n")}, 2, "ENABLE_MD5=maybe: want 0 or 1"},
	}
	for _, tt := range tests {
		r := lvmcopy(t, "lvmcopy", tt.args...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v:\n%s\nwant exit %d and %q", tt.args, r, tt.code, tt.want)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Fatalf("%v wrote the target", tt.args)
		}
	}
}

func writeConf(t *testing.T, dir, text string) string {
	p := filepath.Join(dir, "lvm_tools.conf")
	os.WriteFile(p, []byte(text), 0o644)
	return p
}

func TestToolsConfEnablesVerify(t *testing.T) {
	dir := t.TempDir()
	src, sum := randomFile(t, dir, "src", 1<<20)
	r := mustCopy(t, "copy", "-s", "file:"+src, "-t", "file:"+filepath.Join(dir, "dst"), "--config", writeConf(t, dir, "ENABLE_MD5=1\n"))
	if !strings.Contains(r.stdout, "Verified: md5 "+sum) {
		t.Errorf("ENABLE_MD5=1 did not verify:\n%s", r)
	}
}

func TestOldNames(t *testing.T) {
	dir := t.TempDir()
	src, sum := randomFile(t, dir, "src", 3<<20)
	dst := filepath.Join(dir, "dst.gz")
	r := lvmcopy(t, "/usr/local/sbin/lvm_copy", "-s", "file:"+src, "-t", "file:"+dst, "-z")
	if r.code != 0 || gunzipSum(t, dst) != sum {
		t.Errorf("lvm_copy -z: %s", r)
	}
	if r := lvmcopy(t, "lvm_snap_remove", "-s", "file:"+src); r.code != 2 || !strings.Contains(r.stderr, "snapshots are of logical volumes") {
		t.Errorf("lvm_snap_remove of a file: %s", r)
	}
	if r := lvmcopy(t, "lvm_snap_create", "-s", "lvm:/dev/vg/lv", "-n", "lots"); r.code != 2 || !strings.Contains(r.stderr, `snapshot size "lots"`) {
		t.Errorf("lvm_snap_create -n lots: %s", r)
	}
}

// TestCopyLoopDevices copies between real block devices, with O_DIRECT.
func TestCopyLoopDevices(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for loop devices")
	}
	dir := t.TempDir()
	srcImg, sum := randomFile(t, dir, "src.img", 5<<20+512)
	srcDev := losetup(t, srcImg)
	big := filepath.Join(dir, "big.img")
	os.WriteFile(big, nil, 0o600)
	os.Truncate(big, 8<<20)
	dstDev := losetup(t, big)
	small := filepath.Join(dir, "small.img")
	os.WriteFile(small, nil, 0o600)
	os.Truncate(small, 1<<20)
	smallDev := losetup(t, small)

	r := mustCopy(t, "copy", "-s", "dev:"+srcDev, "-t", "dev:"+dstDev, "--direct", "--verify")
	if !strings.Contains(r.stdout, "Verified: md5 "+sum) || !strings.Contains(r.stdout, "larger than the source") {
		t.Errorf("%s", r)
	}
	r = lvmcopy(t, "lvmcopy", "copy", "-s", "dev:"+srcDev, "-t", "dev:"+smallDev)
	if r.code != 1 || !strings.Contains(r.stderr, "holds 1048576 bytes, less than the source's 5243392: refused") {
		t.Errorf("too small a device: %s", r)
	}
	file := filepath.Join(dir, "back")
	mustCopy(t, "copy", "-s", "dev:"+srcDev, "-t", "file:"+file, "--verify")
	if md5sum(t, file) != sum {
		t.Error("device to file differs")
	}
}

func losetup(t *testing.T, img string) string {
	t.Helper()
	out, err := exec.Command("losetup", "--find", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("no loop device here: %v %s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	return dev
}
