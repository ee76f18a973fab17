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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cli.NewFactory()
	defer f.Close()
	return cli.Report(ctx, f, cli.Execute(ctx, f))
}
