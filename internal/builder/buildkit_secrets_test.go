package builder

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

func TestMountSecretsAddsAMountToEachRunStepThatUsesOne(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "FROM scratch\nRUN true\n", "FROM scratch\nRUN true\n"},
		{
			"one use",
			"FROM x\nRUN echo \"$(bake-secret tok)\" > /dev/null\n",
			"FROM x\nRUN --mount=type=secret,id=tok,required=true echo \"$(cat /run/secrets/tok)\" > /dev/null\n",
		},
		{
			"two secrets, the second on a continuation line",
			"FROM x\nrun a $(bake-secret b_two) \\\n  && c $(bake-secret a1)\nRUN plain\n",
			"FROM x\nrun --mount=type=secret,id=a1,required=true --mount=type=secret,id=b_two,required=true a $(cat /run/secrets/b_two) \\\n  && c $(cat /run/secrets/a1)\nRUN plain\n",
		},
		{
			"a step that mounts it itself keeps its flags",
			"FROM x\nRUN --mount=type=cache,target=/c use $(bake-secret tok) $(bake-secret tok)\n",
			"FROM x\nRUN --mount=type=secret,id=tok,required=true --mount=type=cache,target=/c use $(cat /run/secrets/tok) $(cat /run/secrets/tok)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mountSecrets([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestMountSecretsRefusesAnyInstructionButRun(t *testing.T) {
	for in, want := range map[string]string{
		"FROM x\nENV T=$(bake-secret tok)\n":               `Dockerfile.tmpl line 2: {{ secret "tok" }} is used by ENV; only a RUN step can use a secret`,
		"FROM x\nRUN true\nLABEL t=\"$(bake-secret a)\"\n": `line 3: {{ secret "a" }} is used by LABEL`,
	} {
		_, err := mountSecrets([]byte(in))
		require.ErrorIs(t, err, ErrTemplate)
		assert.Contains(t, err.Error(), want)
	}
}

func TestDockerPrepareRefusesASecretOutsideARunStep(t *testing.T) {
	s := secretFixture(t)
	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM {{ .Base }}\nENV TOKEN={{ secret \"tok\" }}\n")
	_, err := (&Docker{}).Prepare(s)
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), `Dockerfile.tmpl line 2: {{ secret "tok" }} is used by ENV; only a RUN step can use a secret`)
}

func TestLegacyBuilderRefusesSecrets(t *testing.T) {
	s := secretFixture(t)
	_, err := (&Docker{Builder: config.Builder{Legacy: true}}).Prepare(s)
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), "image \"web\" uses a secret, which the legacy builder cannot mount: remove `builder: legacy`")

	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM {{ .Base }}\nRUN true\n")
	_, err = (&Docker{Builder: config.Builder{Legacy: true}}).Prepare(s)
	assert.NoError(t, err, "a declared secret no step uses is no reason to refuse")
}
