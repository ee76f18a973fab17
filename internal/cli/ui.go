package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/dashboard"
	"github.com/bakehq/bake/internal/ledger"
)

// uiResult says where the dashboard serves, printed once it listens.
type uiResult struct {
	Project string `json:"project"`
	URL     string `json:"url"`
}

type uiOptions struct {
	Listen string
	Port   int
}

func newCmdUI(f *Factory) *cobra.Command {
	var opts uiOptions
	cmd := &cobra.Command{
		Use:   "ui [--port N]",
		Short: "Serve a read-only dashboard of what each environment runs, its releases and history, on 127.0.0.1",
		Long: `Serve a read-only web page on 127.0.0.1: the images by environment with the
version each runs, its health, pins, locks and the replicas kept for rollback;
each release's provenance, checks, signature and base chain; and the history.
It reads the same ledger and live state as bake status, and refreshes itself.
Ctrl-C stops it.`,
		Example: `  bake ui                # then open http://127.0.0.1:7070
  bake ui --port 8080
  bake ui --port 0       # any free port; the line it prints says which`,
		ValidArgsFunction: noFiles,
		Args:              exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUI(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().IntVar(&opts.Port, "port", 7070, "port to serve on (0: any free port)")
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1", "loopback address to serve on (127.0.0.1, ::1 or localhost)")
	_ = cmd.RegisterFlagCompletionFunc("listen", fixedValues("127.0.0.1", "::1", "localhost"))
	return cmd
}

func runUI(ctx context.Context, f *Factory, opts uiOptions) error {
	if opts.Port < 0 || opts.Port > 65535 {
		return &usageError{fmt.Sprintf("ui: --port %d: give a port from 0 to 65535", opts.Port)}
	}
	host := opts.Listen
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return &usageError{fmt.Sprintf("ui: --listen %q: the dashboard serves on loopback only (127.0.0.1 or ::1); reach it from elsewhere through an SSH tunnel", opts.Listen)}
	}
	p, err := f.Project()
	if err != nil {
		return err
	}
	// The Factory opens the ledger once; reads are serialised by the
	// server, and a ledger that is not there yet is looked for again on
	// the next read rather than failing the page for good.
	var mu sync.Mutex
	store := func(ctx context.Context) (ledger.Store, error) {
		mu.Lock()
		defer mu.Unlock()
		return f.Store(ctx)
	}
	live := f.liveTargets(ctx, p)
	srv := dashboard.New(&dashboard.Source{Project: p, Store: store, Observe: live.observe})
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(opts.Port)))
	if err != nil {
		return fmt.Errorf("ui: %w: give another --port, or 0 for any free one", err)
	}
	url := "http://" + ln.Addr().String()
	// Said as soon as it listens (with --port 0, the only way to know where).
	err = f.render(SchemaUI, uiResult{Project: p.Name, URL: url}, func(w io.Writer) {
		fmt.Fprintf(w, "dashboard of %s on %s (read-only; Ctrl-C stops it)\n", p.Name, url)
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	if err := dashboard.Serve(ctx, ln, srv); err != nil {
		return fmt.Errorf("ui: serving on %s: %w", url, err)
	}
	fmt.Fprintln(f.Err, "dashboard stopped")
	return nil
}
