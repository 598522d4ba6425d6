package iet

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkParseProc parses /proc/net/iet/volume and session of 1,000
// targets × 10 LUNs with one two-connection session each.
func BenchmarkParseProc(b *testing.B) {
	var vol, sess bytes.Buffer
	for t := 1; t <= 1000; t++ {
		fmt.Fprintf(&vol, "tid:%d name:iqn.2001-04.com.example:t%04d\n", t, t)
		fmt.Fprintf(&sess, "tid:%d name:iqn.2001-04.com.example:t%04d\n\tsid:%d initiator:iqn.1993-08.org.debian:01:h%d\n", t, t, 281474997486080+t, t)
		fmt.Fprintf(&sess, "\t\tcid:0 ip:198.51.100.%d state:active hd:none dd:none\n\t\tcid:1 ip:198.51.100.%d state:active hd:none dd:none\n", t%250, t%250)
		for l := 0; l < 10; l++ {
			fmt.Fprintf(&vol, "\tlun:%d state:0 iotype:blockio iomode:wt blocks:20971520 blocksize:512 path:/dev/vg0/lv_t%04d_%d\n", l, t, l)
		}
	}
	b.SetBytes(int64(vol.Len() + sess.Len()))
	b.ReportAllocs()
	for b.Loop() {
		v, err := ParseVolume(bytes.NewReader(vol.Bytes()), "volume")
		if err != nil {
			b.Fatal(err)
		}
		s, err := ParseSession(bytes.NewReader(sess.Bytes()), "session")
		if err != nil {
			b.Fatal(err)
		}
		if st := Merge(v, s); len(st.Targets) != 1000 {
			b.Fatal("wrong count")
		}
	}
}
