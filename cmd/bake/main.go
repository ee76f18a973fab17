// Command bake bakes immutable images, validates them in a sandbox, and
// promotes and rolls them back through environments by digest.
package main

import (
	"context"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/bakehq/bake/internal/cli"
)

func main() {
	os.Exit(run())
}

func run() int {
	// Libraries that log (retry loops) must not write over bake's own output.
	log.SetOutput(io.Discard)
	// A reader that goes away (`bake promote ... | head -3`) must not kill a
	// promote half way and leave it for `bake recover`. Go kills a program
	// that writes to a closed stdout or stderr unless it handles SIGPIPE;
	// handled, the write fails with EPIPE, and the operation goes on and
	// records its outcome. Notify rather than Ignore: an ignored signal
	// would stay ignored in the processes bake starts.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cli.NewFactory()
	defer f.Close()
	return cli.Report(ctx, f, cli.Execute(ctx, f))
}
