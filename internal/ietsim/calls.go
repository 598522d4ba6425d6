package ietsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Call is one fake-ietadm invocation as recorded in calls.log.
type Call struct {
	Argv []string `json:"argv"` // without argv[0]
	Exit int      `json:"exit"`
}

const callsFile = "calls.log"

// appendCall adds one JSON line to DIR/calls.log. A single write to an
// O_APPEND file keeps concurrent invocations' lines whole.
func appendCall(dir string, args []string, code int) error {
	if args == nil {
		args = []string{}
	}
	line, err := json.Marshal(Call{Argv: args, Exit: code})
	if err != nil {
		return fmt.Errorf("log call: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("log call: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, callsFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("log call: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("log call: %w", err)
	}
	return nil
}

// ReadCalls returns the invocations recorded in stateDir/calls.log, oldest
// first; none when the file does not exist.
func ReadCalls(stateDir string) ([]Call, error) {
	path := filepath.Join(stateDir, callsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	var calls []Call
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("read calls: %s:%d: %w", path, n, err)
		}
		calls = append(calls, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read calls: %w", err)
	}
	return calls, nil
}
