package dockerfile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		want  File
		fails string
	}{
		{name: "nothing declared", src: "FROM scratch\nCOPY svc /svc\n", want: File{Sources: []string{"svc"}}},
		{name: "sources: plain paths from the context only",
			src: "FROM scratch AS b\nFROM scratch\nCOPY a ./b/c /d/\nADD [\"e f\", \"/g\"]\nCOPY --from=b /x /x\nCOPY *.go $DIR /src/\n" +
				"COPY --chmod=644 h /h\nCOPY <<EOF /i\nhi\nEOF\n",
			want: File{Sources: []string{"a", "./b/c", "e f", "h"}}},
		{name: "args before FROM, in stages, with defaults, several on a line",
			src:  "ARG BAKE_BASE=scratch\nFROM ${BAKE_BASE}\nARG BAKE_VERSION BAKE_GIT_COMMIT=unknown\nARG BAKE_VERSION\nARG \\\n  other\n",
			want: File{Args: []string{"BAKE_BASE", "BAKE_VERSION", "BAKE_GIT_COMMIT", "other"}}},
		{name: "an arg in a heredoc is not one", src: "FROM scratch\nRUN <<EOF\nARG NOT_ONE\nEOF\n", want: File{}},
		{name: "ports: tcp, numbered, each once",
			src:  "FROM scratch\nEXPOSE 8080 9090/tcp 53/udp ${PORT} 8000-8010\nexpose 8080\nEXPOSE 80/TCP\n",
			want: File{Ports: []int{8080, 9090, 80}}},
		{name: "a health check with curl", src: "FROM scratch\nHEALTHCHECK --interval=5s CMD curl -fsS http://localhost:8080/healthz || exit 1\n",
			want: File{HealthPath: "/healthz"}},
		{name: "a health check with wget, in JSON form, on the root",
			src:  "FROM scratch\nHEALTHCHECK CMD [\"wget\", \"-q\", \"-O-\", \"http://127.0.0.1:3000\"]\n",
			want: File{HealthPath: "/"}},
		{name: "a health check that is not HTTP", src: "FROM scratch\nHEALTHCHECK CMD pg_isready\n", want: File{}},
		{name: "secret mounts: by id, source or target, each once, not a variable's",
			src: "FROM scratch\nRUN --mount=type=cache,target=/c --mount=type=secret,id=npm_token,required=true true\n" +
				"RUN --mount=type=secret,target=/run/secrets/licence true\nRUN --mount=type=secret,source=npm_token true\n" +
				"RUN --mount=type=secret,id=${ID} true\nRUN --mount=type=bind,source=x,target=/x true\n",
			want: File{Secrets: []SecretMount{{ID: "npm_token", Line: 2}, {ID: "licence", Line: 3}}}},
		{name: "FROM a base without a default", src: "ARG BAKE_BASE\nFROM scratch AS tools\nFROM ${BAKE_BASE}\nFROM $BAKE_BASE\n",
			want: File{Args: []string{"BAKE_BASE"}, BareBaseLine: 3}},
		{name: "FROM a base with a default", src: "ARG BAKE_BASE=scratch\nFROM ${BAKE_BASE}\n", want: File{Args: []string{"BAKE_BASE"}}},
		{name: "FROM a base with a default of its own", src: "ARG BAKE_BASE\nFROM ${BAKE_BASE:-scratch}\n", want: File{Args: []string{"BAKE_BASE"}}},
		{name: "empty", src: "# only a comment\n", fails: "Dockerfile:1: file with no instructions"},
		{name: "unterminated heredoc", src: "FROM scratch\nRUN <<EOF\necho\n", fails: "Dockerfile:2: unterminated heredoc"},
		{name: "an unknown instruction", src: "FROM scratch\nCOPPY svc /svc\n", fails: "Dockerfile:2: unknown instruction: COPPY"},
		{name: "an instruction without arguments", src: "FROM scratch\nCOPY\n", fails: "Dockerfile:2: COPY requires at least two arguments"},
		{name: "an unknown flag", src: "FROM scratch\nCOPY --bogus svc /svc\n", fails: "Dockerfile:2: unknown flag: --bogus"},
		{name: "a step before FROM", src: "COPY svc /svc\n", fails: "Dockerfile:1: COPY before the first FROM: only ARG may come before it"},
		{name: "a misspelled FROM", src: "FROMM scratch\n", fails: "Dockerfile:1: unknown instruction: FROMM (did you mean FROM?)"},
		{name: "only ARG", src: "ARG BAKE_BASE\n", fails: "Dockerfile: no FROM instruction"},
		{name: "ADD of a URL on loopback", src: "FROM scratch\nADD http://127.0.0.1:5001/moto-api/ /x\n",
			fails: `Dockerfile:2: ADD of a URL ("http://127.0.0.1:5001/moto-api/"): the engine would fetch it from the host's network`},
		{name: "ADD of a URL among sources", src: "FROM scratch\nADD [\"a\", \"https://example.com/x\", \"/x/\"]\n",
			fails: `Dockerfile:2: ADD of a URL ("https://example.com/x")`},
		{name: "ADD of a git repository", src: "FROM scratch\nADD git@github.com:o/r.git /src\n", fails: `Dockerfile:2: ADD of a URL ("git@github.com:o/r.git")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("Dockerfile", []byte(tt.src))
			if tt.fails != "" {
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), tt.fails), "%q does not start with %q", err, tt.fails)
				return
			}
			require.NoError(t, err)
			tt.want.Path = "Dockerfile"
			assert.Equal(t, tt.want, got)
		})
	}
}
