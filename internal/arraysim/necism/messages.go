package necism

import "fmt"

// The success messages, verbatim from the real log in seed 000 (also
// facts/snapdrivers-lvm.md section 1.3, "Messages").
const (
	msgCreateOK = "iSM19010"
	msgLinkOK   = "iSM20020"
	msgUnlinkOK = "iSM20030"
)

// ismError is an error as an iSM command reports it: one line
// "COMMAND:Error: iSMnnnnn: text" on stderr and a non-zero exit.
//
// Only the number iSM19411 is public: OpenStack Cinder's NEC driver
// (cinder/volume/drivers/nec/cli.py, retry_msgids) retries commands that
// print it, with iSM31005, iSM31015, iSM42408 and iSM42412, as the array
// being busy; its text is not published. Every other number and every
// text below is made up, in the numbering of the documented success
// messages (19xxx iSMsc_create, 20xxx iSMsc_link/iSMsc_unlink) and 21xxx
// for iSMsc_query, which has no documented message at all.
type ismError struct {
	id   string
	text string
	code int
}

func errorf(id, format string, args ...any) *ismError {
	return &ismError{id: id, text: fmt.Sprintf(format, args...), code: 1}
}

func (e *ismError) line(cmd string) string {
	return fmt.Sprintf("%s:Error: %s: %s", cmd, e.id, e.text)
}

// Made-up numbers, per command (see ismError).
var ids = map[string]struct{ usage, notFound string }{
	"iSMsc_create": {"iSM19101", "iSM19102"},
	"iSMsc_link":   {"iSM20101", "iSM20102"},
	"iSMsc_unlink": {"iSM20201", "iSM20202"},
	"iSMsc_query":  {"iSM21101", "iSM21102"},
}

func usageError(cmd, format string, args ...any) *ismError {
	return errorf(ids[cmd].usage, format, args...)
}

func notFound(cmd, kind, name string) *ismError {
	return errorf(ids[cmd].notFound, "Specified %s does not exist (%s)", kind, name)
}

// defaultFailure is what a Failure without a Message prints (made up).
func defaultFailure(cmd string) string {
	return cmd + ":Error: iSM90001: Communication with the disk array failed"
}
