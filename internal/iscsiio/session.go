package main

/*
#cgo LDFLAGS: -liscsi
#include <stdlib.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

// A completion is what libiscsi reported for one command. It lives in C
// memory, because libiscsi keeps the pointer until the command completes.
struct iio_completion {
	int done;
	int status;
	void *data;
};

static void iio_complete(struct iscsi_context *iscsi, int status, void *command_data, void *private_data) {
	struct iio_completion *c = private_data;
	c->done = 1;
	c->status = status;
	c->data = command_data;
}

static iscsi_command_cb iio_callback(void) {
	return iio_complete;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/ietkit/ietkit/internal/iscsiio/iscsiurl"
	"golang.org/x/sys/unix"
)

// pollInterval is how often the event loop looks at the context and lets
// libiscsi run its timers while nothing happens on the socket.
const pollInterval = 100 * time.Millisecond

// logoutTimeout bounds the logout when a session closes.
const logoutTimeout = 2 * time.Second

// session is a libiscsi context logged in to one LUN. It is used by one
// goroutine at a time.
type session struct {
	iscsi *C.struct_iscsi_context
	lun   C.int
	url   string // for messages, password redacted
}

// command is one command sent to libiscsi and not yet reaped.
type command struct {
	c *C.struct_iio_completion
}

func newCommand() command {
	return command{(*C.struct_iio_completion)(C.calloc(1, C.sizeof_struct_iio_completion))}
}

// release frees the completion. It must only be called for a command that
// completed or was never queued: an abandoned command's completion stays
// with libiscsi, which may still complete it (iscsi_destroy_context
// cancels it).
func (c command) release() {
	C.free(unsafe.Pointer(c.c))
}

// dial creates a context named initiator and logs in to url's LUN.
func dial(ctx context.Context, initiator, url string) (*session, error) {
	s := &session{url: iscsiurl.Redact(url)}
	cname := C.CString(initiator)
	defer C.free(unsafe.Pointer(cname))
	s.iscsi = C.iscsi_create_context(cname)
	if s.iscsi == nil {
		return nil, errors.New("create iscsi context")
	}
	curl := C.CString(url)
	defer C.free(unsafe.Pointer(curl))
	u := C.iscsi_parse_full_url(s.iscsi, curl)
	if u == nil {
		err := fmt.Errorf("parse url %s: %s", s.url, iscsiurl.RedactText(s.lastError(), iscsiurl.Secrets(url)...))
		s.destroy()
		return nil, err
	}
	defer C.iscsi_destroy_url(u)
	s.lun = u.lun
	C.iscsi_set_targetname(s.iscsi, &u.target[0])
	C.iscsi_set_session_type(s.iscsi, C.ISCSI_SESSION_NORMAL)
	C.iscsi_set_header_digest(s.iscsi, C.ISCSI_HEADER_DIGEST_NONE_CRC32C)
	if u.user[0] != 0 {
		C.iscsi_set_initiator_username_pwd(s.iscsi, &u.user[0], &u.passwd[0])
	}

	cmd := newCommand()
	if C.iscsi_full_connect_async(s.iscsi, &u.portal[0], s.lun, C.iio_callback(), unsafe.Pointer(cmd.c)) != 0 {
		err := fmt.Errorf("log in to %s: %s", s.url, s.lastError())
		cmd.release()
		s.destroy()
		return nil, err
	}
	if err := s.wait(ctx, cmd); err != nil {
		s.destroy()
		return nil, fmt.Errorf("log in to %s: %w", s.url, err)
	}
	defer cmd.release()
	if cmd.c.status != C.SCSI_STATUS_GOOD {
		err := fmt.Errorf("log in to %s: %s", s.url, s.lastError())
		s.destroy()
		return nil, err
	}
	return s, nil
}

// lastError is libiscsi's description of the last error.
func (s *session) lastError() string {
	return strings.TrimSpace(C.GoString(C.iscsi_get_error(s.iscsi)))
}

// wait runs the event loop until cmd completes, ctx ends, or libiscsi
// gives up on the connection. On error cmd is abandoned: its memory is
// left to libiscsi.
func (s *session) wait(ctx context.Context, cmd command) error {
	for cmd.c.done == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		events := C.iscsi_which_events(s.iscsi)
		if events == 0 {
			// Nothing to poll for, as while libiscsi waits to reconnect:
			// it asks to be called again after at least 100ms.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pollInterval):
			}
			if C.iscsi_service(s.iscsi, 0) < 0 {
				return errors.New(s.lastError())
			}
			continue
		}
		fds := []unix.PollFd{{Fd: int32(C.iscsi_get_fd(s.iscsi)), Events: int16(events)}}
		n, err := unix.Poll(fds, int(pollInterval/time.Millisecond))
		if errors.Is(err, unix.EINTR) {
			continue // a signal; ctx tells whether it was ours
		}
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		revents := C.int(0)
		if n > 0 {
			revents = C.int(fds[0].Revents)
		}
		// With no events this runs libiscsi's timers only.
		if C.iscsi_service(s.iscsi, revents) < 0 {
			return errors.New(s.lastError())
		}
	}
	return nil
}

// scsiError describes SCSI command t that completed without GOOD status.
func (s *session) scsiError(cmd command, t *C.struct_scsi_task) error {
	switch {
	case cmd.c.status == C.SCSI_STATUS_CHECK_CONDITION:
		key := int(t.sense.key)
		ascq := int(t.sense.ascq)
		return &senseError{key: key, ascq: ascq, msg: fmt.Sprintf("CHECK CONDITION, SENSE KEY:%s(%d) ASCQ:%s(0x%04x)",
			C.GoString(C.scsi_sense_key_str(C.int(key))), key,
			C.GoString(C.scsi_sense_ascq_str(C.int(ascq))), ascq)}
	case cmd.c.status == C.SCSI_STATUS_ERROR || cmd.c.status == C.SCSI_STATUS_CANCELLED || cmd.c.status == C.SCSI_STATUS_TIMEOUT:
		return errors.New(s.lastError())
	default:
		return fmt.Errorf("SCSI status 0x%x: %s", int(cmd.c.status), s.lastError())
	}
}

// senseError is a command that ended in CHECK CONDITION.
type senseError struct {
	key, ascq int
	msg       string
}

func (e *senseError) Error() string { return e.msg }

// senseUnitAttention is the UNIT ATTENTION sense key: the target reports a
// change (LUNs added or removed, a reset) once per nexus; initiators take
// note and send the command again.
const senseUnitAttention = 6

// isUnitAttention tells whether err is a UNIT ATTENTION.
func isUnitAttention(err error) bool {
	var se *senseError
	return errors.As(err, &se) && se.key == senseUnitAttention
}

// abandonedError is a command whose completion was not awaited, because
// the context ended or libiscsi failed the connection. libiscsi may still
// complete it.
type abandonedError struct {
	what string
	err  error
}

func (e *abandonedError) Error() string { return e.what + ": " + e.err.Error() }
func (e *abandonedError) Unwrap() error { return e.err }

// runTask runs the SCSI command that start queues (returning its task, or
// nil when libiscsi could not queue it), and calls done with the task when
// the command succeeded. It frees the task unless the command is
// abandoned.
func (s *session) runTask(ctx context.Context, what string, start func(cb C.iscsi_command_cb, priv unsafe.Pointer) *C.struct_scsi_task, done func(*C.struct_scsi_task) error) error {
	cmd := newCommand()
	t := start(C.iio_callback(), unsafe.Pointer(cmd.c))
	if t == nil {
		err := fmt.Errorf("%s: %s", what, s.lastError())
		cmd.release()
		return err
	}
	if err := s.wait(ctx, cmd); err != nil {
		return &abandonedError{what: what, err: err}
	}
	defer func() {
		C.scsi_free_scsi_task(t)
		cmd.release()
	}()
	if cmd.c.status != C.SCSI_STATUS_GOOD {
		return fmt.Errorf("%s: %w", what, s.scsiError(cmd, t))
	}
	if done == nil {
		return nil
	}
	if err := done(t); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// readCapacity returns the number of blocks and the block size.
func (s *session) readCapacity(ctx context.Context) (blocks, blockSize uint64, err error) {
	err = s.runTask(ctx, "read capacity 16", func(cb C.iscsi_command_cb, priv unsafe.Pointer) *C.struct_scsi_task {
		return C.iscsi_readcapacity16_task(s.iscsi, s.lun, cb, priv)
	}, func(t *C.struct_scsi_task) error {
		rc := (*C.struct_scsi_readcapacity16)(C.scsi_datain_unmarshall(t))
		if rc == nil {
			return errors.New("cannot decode the returned data")
		}
		blocks, blockSize = uint64(rc.returned_lba)+1, uint64(rc.block_length)
		if blockSize == 0 {
			return errors.New("target returned a block length of 0")
		}
		return nil
	})
	return blocks, blockSize, err
}

// testUnitReady sends TEST UNIT READY.
func (s *session) testUnitReady(ctx context.Context) error {
	return s.runTask(ctx, "test unit ready", func(cb C.iscsi_command_cb, priv unsafe.Pointer) *C.struct_scsi_task {
		return C.iscsi_testunitready_task(s.iscsi, s.lun, cb, priv)
	}, nil)
}

// read16 reads len(buf) bytes at lba into buf with one READ 16.
func (s *session) read16(ctx context.Context, lba uint64, buf []byte, blockSize uint64) error {
	what := fmt.Sprintf("read %d bytes at lba %d", len(buf), lba)
	return s.runTask(ctx, what, func(cb C.iscsi_command_cb, priv unsafe.Pointer) *C.struct_scsi_task {
		return C.iscsi_read16_task(s.iscsi, s.lun, C.uint64_t(lba), C.uint32_t(len(buf)), C.int(blockSize), 0, 0, 0, 0, 0, cb, priv)
	}, func(t *C.struct_scsi_task) error {
		if int(t.datain.size) != len(buf) {
			return fmt.Errorf("short read: %d bytes", int(t.datain.size))
		}
		copy(buf, unsafe.Slice((*byte)(unsafe.Pointer(t.datain.data)), len(buf)))
		return nil
	})
}

// write16 writes data at lba with one WRITE 16.
func (s *session) write16(ctx context.Context, lba uint64, data []byte, blockSize uint64) error {
	// libiscsi sends from the buffer until the command completes, so it
	// is C memory, which an abandoned command keeps.
	buf := C.CBytes(data)
	what := fmt.Sprintf("write %d bytes at lba %d", len(data), lba)
	err := s.runTask(ctx, what, func(cb C.iscsi_command_cb, priv unsafe.Pointer) *C.struct_scsi_task {
		return C.iscsi_write16_task(s.iscsi, s.lun, C.uint64_t(lba), (*C.uchar)(buf), C.uint32_t(len(data)), C.int(blockSize), 0, 0, 0, 0, 0, cb, priv)
	}, nil)
	var ab *abandonedError
	if !errors.As(err, &ab) {
		C.free(buf)
	}
	return err
}

// close logs out, waiting at most logoutTimeout, and frees the context.
func (s *session) close() {
	if C.iscsi_is_logged_in(s.iscsi) != 0 {
		cmd := newCommand()
		if C.iscsi_logout_async(s.iscsi, C.iio_callback(), unsafe.Pointer(cmd.c)) == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
			if s.wait(ctx, cmd) == nil {
				cmd.release()
			}
			cancel()
		} else {
			cmd.release()
		}
	}
	s.destroy()
}

func (s *session) destroy() {
	C.iscsi_destroy_context(s.iscsi)
	s.iscsi = nil
}
