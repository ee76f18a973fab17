package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHowRuns(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "qemu-aarch64"), []byte("enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "qemu-riscv64"), []byte("disabled\n"), 0o644))
	for platform, want := range map[string]string{
		"linux/amd64":   "natively",
		"linux/386":     "natively",
		"linux/arm64":   "under emulation by qemu-aarch64",
		"linux/s390x":   "no binfmt_misc handler qemu-s390x is enabled; install qemu-user-static and run `update-binfmts --enable qemu-s390x`",
		"linux/riscv64": "no binfmt_misc handler qemu-riscv64 is enabled",
	} {
		how, err := howRuns(dir, "linux", "x86_64", platform)
		if err != nil {
			assert.ErrorIs(t, err, ErrCannotRun, platform)
			how = err.Error()
		}
		assert.Contains(t, how, want, platform)
	}
}
