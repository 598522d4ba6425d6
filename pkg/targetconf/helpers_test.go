package targetconf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
)

func fmtSprint(v any) string       { return fmt.Sprint(v) }
func fmtSprintV(v any) string      { return fmt.Sprintf("%+v %s %q", v, v, v) }
func fmtSprintSharpV(v any) string { return fmt.Sprintf("%#v", v) + jsonOf(v) + slogOf(v) }

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func slogOf(v any) string {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "user", v)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "user", v)
	return buf.String()
}
