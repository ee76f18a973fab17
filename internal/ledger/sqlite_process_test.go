package ledger_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

// Environment of a helper process: which ledger, which operation, its argument.
const (
	helperEnvDB  = "BAKE_LEDGER_HELPER_DB"
	helperEnvOp  = "BAKE_LEDGER_HELPER_OP"
	helperEnvArg = "BAKE_LEDGER_HELPER_ARG"
)

// TestHelperProcess is not a test: it is the body of the child processes that
// the cross-process tests start from this test binary. It opens the ledger,
// prints "ready", waits for a line on stdin so that all children act at once,
// runs one operation and prints "result ..." for the parent to count.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnvDB)
	if path == "" {
		t.Skip("runs only as a child of the cross-process tests")
	}
	fmt.Println(runHelper(path, os.Getenv(helperEnvOp), os.Getenv(helperEnvArg)))
	os.Exit(0)
}

func runHelper(path, op, arg string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return "result error " + err.Error()
	}
	defer s.Close()

	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return "result error waiting for start: " + err.Error()
	}

	switch op {
	case "lock":
		_, err := s.Lock(ctx, "env/prod", arg, time.Minute)
		var locked *ledger.LockedError
		switch {
		case err == nil:
			return "result ok"
		case errors.As(err, &locked):
			return "result locked " + locked.Holder
		default:
			return "result error " + err.Error()
		}
	case "put":
		if err := s.PutRelease(ctx, release(arg, "1.0.0")); err != nil {
			return "result error " + err.Error()
		}
		return "result ok"
	default:
		return fmt.Sprintf("result error unknown op %q", op)
	}
}

// runHelpers starts one child per argument, releases them together once all
// have opened the ledger, and returns each child's result line.
func runHelpers(t *testing.T, path, op string, args []string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
	}
	children := make([]child, len(args))
	for i, arg := range args {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnvDB+"="+path, helperEnvOp+"="+op, helperEnvArg+"="+arg)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		children[i] = child{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	}

	for i, c := range children {
		line, err := c.out.ReadString('\n')
		require.NoError(t, err, "child %d", i)
		require.Equal(t, "ready", strings.TrimSpace(line), "child %d", i)
	}
	for _, c := range children {
		_, err := io.WriteString(c.stdin, "go\n")
		require.NoError(t, err)
	}

	results := make([]string, len(children))
	var wg sync.WaitGroup
	for i, c := range children {
		wg.Go(func() {
			out, _ := io.ReadAll(c.out)
			results[i] = strings.TrimSpace(string(out))
			assert.NoError(t, c.cmd.Wait(), "child %d", i)
		})
	}
	wg.Wait()
	return results
}

func TestLockAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	defer s.Close()

	const n = 20
	holders := make([]string, n)
	for i := range holders {
		holders[i] = fmt.Sprintf("holder-%d", i)
	}
	results := runHelpers(t, path, "lock", holders)

	var winners []string
	lockedBy := map[string]int{}
	for i, r := range results {
		switch {
		case r == "result ok":
			winners = append(winners, holders[i])
		case strings.HasPrefix(r, "result locked "):
			lockedBy[strings.TrimPrefix(r, "result locked ")]++
		default:
			t.Errorf("%s: %s", holders[i], r)
		}
	}
	require.Len(t, winners, 1, "exactly one process takes the lock: %v", results)
	assert.Equal(t, map[string]int{winners[0]: n - 1}, lockedBy, "every loser names the winner")

	_, err = s.Lock(t.Context(), "env/prod", "parent", time.Minute)
	var locked *ledger.LockedError
	require.ErrorAs(t, err, &locked)
	assert.Equal(t, winners[0], locked.Holder)
}

func TestPutReleaseAcrossProcesses(t *testing.T) {
	// The children also race to create the ledger file and its schema.
	path := filepath.Join(t.TempDir(), "new", "ledger.db")

	const n = 10
	images := make([]string, n)
	for i := range images {
		images[i] = fmt.Sprintf("image-%d", i)
	}
	results := runHelpers(t, path, "put", images)
	for i, r := range results {
		assert.Equal(t, "result ok", r, images[i])
	}

	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	defer s.Close()
	for _, image := range images {
		rs, err := s.Releases(t.Context(), image)
		require.NoError(t, err)
		require.Len(t, rs, 1, image)
		assert.Equal(t, "1.0.0", rs[0].Version)
	}
}
