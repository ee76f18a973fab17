// Command bake bakes immutable images, validates them in a sandbox, and
// promotes and rolls them back through environments by digest.
package main

import (
	"context"
	"fmt"
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
	err := cli.Execute(ctx, f)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintln(f.Err, cli.Message(err))
	}
	return cli.ExitCode(err)
}
