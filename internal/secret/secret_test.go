package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvFor(t *testing.T) {
	env := FromEnviron([]string{"PATH=/bin", "BAKE_SECRET_NPM_TOKEN=tok-123456", "BAKE_SECRET_SHORT=abc", "BAKE_SECRET_EMPTY="})
	assert.Equal(t, Env{"BAKE_SECRET_NPM_TOKEN": "tok-123456", "BAKE_SECRET_SHORT": "abc", "BAKE_SECRET_EMPTY": ""}, env)
	assert.Equal(t, []string{"tok-123456"}, env.Values(), "too short to redact, so not redacted")

	vals, err := env.For("web", []string{"npm_token"})
	require.NoError(t, err)
	assert.Equal(t, Values{"npm_token": "tok-123456"}, vals)

	vals, err = env.For("web", nil)
	require.NoError(t, err)
	assert.Nil(t, vals)

	_, err = env.For("web", []string{"npm_token", "pip_token", "empty", "short"})
	require.True(t, errors.Is(err, ErrInvalid))
	for _, want := range []string{
		`image "web" needs secret "pip_token": set BAKE_SECRET_PIP_TOKEN`,
		`image "web" needs secret "empty": set BAKE_SECRET_EMPTY`,
		`BAKE_SECRET_SHORT is shorter than 4 characters`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "abc")
}

func TestValuesPrintOnlyNames(t *testing.T) {
	v := Values{"b": "value-of-b", "a": "value-of-a"}
	for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%v %+v %#v %s", v, v, v, v), fmt.Sprintf("%+v", struct{ S Values }{v})} {
		assert.NotContains(t, s, "value-of")
		assert.Contains(t, s, "a b")
	}
	b, err := json.Marshal(struct{ S Values }{v})
	require.NoError(t, err)
	assert.Equal(t, `{"S":["a","b"]}`, string(b))
}

func TestChildEnv(t *testing.T) {
	environ := []string{"PATH=/bin", "BAKE_SECRET_X=yyyy", "BAKE_SIGNING_KEY=key", "BAKE_SIGNING_KEY_FILE=/k",
		"BAKE_REGISTRY_USER=u", "BAKE_REGISTRY_PASSWORD=p", "BAKE_WEBHOOK_SECRET=w", "HOME=/root", "BAKE_USER=ci",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=s", "AWS_SESSION_TOKEN=t", "AWS_PROFILE=dev"}
	assert.Equal(t, []string{"PATH=/bin", "HOME=/root", "BAKE_USER=ci", "AWS_REGION=us-east-1", "AWS_PROFILE=dev"}, ChildEnv(environ))
	assert.Equal(t, []string{"PATH=/bin", "HOME=/root", "BAKE_USER=ci", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=s", "AWS_SESSION_TOKEN=t", "AWS_PROFILE=dev"}, ChildEnv(environ, AWSCredentials...))
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("canary-1234", `q"uo<te>`, "", "canary-1234-longer")
	tests := map[string]string{
		"token canary-1234 here":      "token [secret] here",
		"canary-1234-longer whole":    "[secret] whole",
		`json "q\"uo\u003cte\u003e"`:  `json "[secret]"`,
		`json "q\"uo<te>"`:            `json "[secret]"`,
		`raw q"uo<te>`:                `raw [secret]`,
		"nothing secret":              "nothing secret",
		"canary-123 is only a prefix": "canary-123 is only a prefix",
	}
	// A check's output quoted with %q, then in a JSON document.
	detail, err := json.Marshal(fmt.Sprintf("got %q", `q"uo<te>`))
	require.NoError(t, err)
	tests[string(detail)] = `"got \"[secret]\""`
	for in, want := range tests {
		assert.Equal(t, want, r.String(in), in)
	}
	var nilR *Redactor
	assert.Equal(t, "canary-1234", nilR.String("canary-1234"))
	assert.Nil(t, NewRedactor("", ""))

	err = fmt.Errorf("wrapped: %w", errors.New("build printed canary-1234"))
	red := r.Error(err)
	assert.Equal(t, "wrapped: build printed [secret]", red.Error())
	assert.True(t, errors.Is(red, err))
	assert.Nil(t, r.Error(nil))
}

// TestWriterFindsValuesSplitAcrossWrites writes a text in every way it can
// be cut in two and three pieces.
func TestWriterFindsValuesSplitAcrossWrites(t *testing.T) {
	r := NewRedactor("canary-1234")
	text := "a canary-123 and canary-1234, then canary-1234"
	want := "a canary-123 and [secret], then [secret]"
	for i := 0; i <= len(text); i++ {
		for j := i; j <= len(text); j++ {
			var out bytes.Buffer
			w := NewWriter(&out, r)
			for _, piece := range []string{text[:i], text[i:j], text[j:]} {
				n, err := w.Write([]byte(piece))
				require.NoError(t, err)
				require.Equal(t, len(piece), n)
				assert.NotContains(t, out.String(), "canary-1234")
			}
			require.NoError(t, w.Flush())
			require.Equal(t, want, out.String(), "cut at %d and %d", i, j)
		}
	}
}

func TestWriterPassesLinesThrough(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, NewRedactor("canary-1234"))
	fmt.Fprintln(w, "step 1/2")
	assert.Equal(t, "step 1/2\n", out.String(), "nothing held back that cannot start a secret")
	fmt.Fprint(w, "progress can")
	assert.Equal(t, "step 1/2\nprogress ", out.String())
	require.NoError(t, w.Flush())
	assert.Equal(t, "step 1/2\nprogress can", out.String())

	out.Reset()
	w = NewWriter(&out, nil)
	fmt.Fprint(w, "canary-1234")
	assert.Equal(t, "canary-1234", out.String(), "no secrets: nothing to redact")
	assert.False(t, strings.Contains(out.String(), Redacted))
}
