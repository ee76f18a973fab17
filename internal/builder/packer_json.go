package builder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/bakehq/bake/internal/yamlerr"
)

// jsonVariables reads the "variables" object of a JSON template (null marks
// a required one) and its "sensitive-variables".
func jsonVariables(path string, sensitive map[string]bool) (map[string]bool, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrTemplate, path, err)
	}
	var tmpl struct {
		Variables map[string]json.RawMessage `json:"variables"`
		Sensitive []string                   `json:"sensitive-variables"`
	}
	if err := json.Unmarshal(src, &tmpl); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrTemplate, jsonProblem(path, src, err))
	}
	vars := map[string]bool{}
	for name, v := range tmpl.Variables {
		vars[name] = strings.TrimSpace(string(v)) != "null"
	}
	for _, name := range tmpl.Sensitive {
		sensitive[name] = true
	}
	return vars, nil
}

// jsonProblem places a packer.json that does not decode at its line and
// column (FILE:LINE:COL, as bake.yaml's problems are), in words about the
// template rather than about Go's types.
func jsonProblem(path string, src []byte, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		at := int(syntax.Offset) - 1 // the offending byte
		if syntax.Offset >= int64(len(src)) && strings.HasPrefix(syntax.Error(), "unexpected end") {
			at = len(src)
		}
		line, col := textPosition(src, at)
		return yamlerr.Format(path, line, col, "", syntax.Error())
	case errors.As(err, &typ):
		want := "an object"
		if strings.HasPrefix(typ.Field, "sensitive-variables") {
			want = "a list of variable names"
		}
		line, col := textPosition(src, int(typ.Offset)-1)
		return yamlerr.Format(path, line, col, typ.Field, fmt.Sprintf("expected %s, got %s", want, describeJSON(typ.Value)))
	default:
		return yamlerr.Format(path, 0, 0, "", err.Error())
	}
}

// describeJSON names a JSON value's kind with its article.
func describeJSON(kind string) string {
	switch kind {
	case "array", "object":
		return "an " + kind
	default:
		return "a " + kind
	}
}

// textPosition is the 1-based line and column (in characters) of byte
// offset at of src.
func textPosition(src []byte, at int) (line, column int) {
	at = max(0, min(at, len(src)))
	before := src[:at]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte("\n")) + 1, utf8.RuneCount(before[start:]) + 1
}
