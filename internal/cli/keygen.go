package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
)

type keygenOptions struct {
	f     *Factory
	out   string
	force bool
}

func newCmdKeygen(f *Factory) *cobra.Command {
	o := &keygenOptions{f: f}
	cmd := &cobra.Command{
		Use:   "keygen [--out PATH] [--force]",
		Short: "Create the ed25519 key pair that signs releases when they are recorded",
		Example: `  bake keygen                          # .bake/signing.key and .bake/signing.key.pub, next to bake.yaml
  bake keygen --out ~/keys/release.key  # then give CI the private key as BAKE_SIGNING_KEY`,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE:              func(cmd *cobra.Command, _ []string) error { return runKeygen(o) },
	}
	cmd.Flags().StringVar(&o.out, "out", "", "where to write the private key; the public key goes to PATH.pub (default "+config.DefaultSigningKey+" next to bake.yaml)")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace a key that exists (releases it signed then verify only while its public key stays listed)")
	return cmd
}

type keygenResult struct {
	KeyID      string `json:"key_id"`
	PrivateKey string `json:"private_key"` // path of the private key file
	PublicKey  string `json:"public_key"`  // path of the public key file
	Config     string `json:"config"`      // the bake.yaml lines that use the pair
	Ignored    bool   `json:"gitignore_added,omitempty"`
}

// runKeygen never reads bake.yaml: it may already name the key this makes.
func runKeygen(o *keygenOptions) error {
	dir := projectDir(o.f.ConfigPath)
	priv := o.out
	if priv == "" {
		priv = filepath.Join(dir, config.DefaultSigningKey)
	}
	pub := priv + ".pub"
	if !o.force {
		for _, path := range []string{priv, pub} {
			if _, err := os.Lstat(path); err == nil {
				return &usageError{fmt.Sprintf("keygen: %s already exists: use --force to replace it (releases the old key signed verify only while its public key stays in signing.public_keys), or --out another path", path)}
			}
		}
	}
	key, err := keys.GenerateKey()
	if err != nil {
		return err
	}
	privPEM, err := keys.EncodePrivateKey(key)
	if err != nil {
		return err
	}
	s := signing.NewSigner(key, priv)
	pubPEM, err := keys.EncodePublicKey(s.Public())
	if err != nil {
		return err
	}
	if err := writeKeyFile(priv, privPEM, 0o600); err != nil {
		return err
	}
	if err := writeKeyFile(pub, pubPEM, 0o644); err != nil {
		return err
	}
	res := keygenResult{KeyID: s.ID, PrivateKey: priv, PublicKey: pub,
		Config: fmt.Sprintf("signing:\n  key: %s\n  public_keys: [%s]\n", fromProject(dir, priv), fromProject(dir, pub))}
	if o.out == "" {
		// The default place is bake's local state: keep it out of git.
		if res.Ignored, err = ignoreLedger(dir); err != nil {
			return err
		}
	}
	return o.f.render(SchemaKeygen, res, func(w io.Writer) { printKeygen(w, res, dir) })
}

func printKeygen(w io.Writer, res keygenResult, dir string) {
	fmt.Fprintf(w, "wrote %s (the private key: keep it secret, never commit it)\n", res.PrivateKey)
	fmt.Fprintf(w, "wrote %s (the public key)\n", res.PublicKey)
	if res.Ignored {
		fmt.Fprintf(w, "added .bake/ to %s\n", filepath.Join(dir, ".gitignore"))
	}
	fmt.Fprintf(w, "key id %s\n", res.KeyID)
	fmt.Fprintf(w, "add to bake.yaml:\n\n%s\n\n", indent(res.Config))
	fmt.Fprintf(w, "in CI, give the private key as %s (its PEM text) or %s (its path) instead of signing.key\n",
		signing.EnvKey, signing.EnvKeyFile)
	if inside(dir, res.PrivateKey) && !inside(filepath.Join(dir, ".bake"), res.PrivateKey) {
		fmt.Fprintf(w, "note: the private key is inside the project: keep it out of git (list it in .gitignore)\n")
	}
	if inside(filepath.Join(dir, ".bake"), res.PublicKey) {
		fmt.Fprintf(w, "note: .bake/ is not committed; for everyone who promotes to verify, copy the public key into the repository (e.g. keys/release.pub) and list that path\n")
	}
}

// writeKeyFile writes data to path with perm, through a temporary file in
// the same directory: an existing file (--force) is replaced whole, and
// gets perm even if it had another.
func writeKeyFile(path string, data []byte, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keygen-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	err = errors.Join(werr, tmp.Chmod(perm), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// projectDir is the directory of bake.yaml as --config names it.
func projectDir(configPath string) string {
	if st, err := os.Stat(configPath); err == nil && st.IsDir() {
		return configPath
	}
	return filepath.Dir(configPath)
}

// fromProject is path as bake.yaml writes it: relative to its directory.
func fromProject(dir, path string) string {
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	if r, err := filepath.Rel(absDir, absPath); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return absPath
}

// inside reports whether path is in dir.
func inside(dir, path string) bool {
	r := fromProject(dir, path)
	return !filepath.IsAbs(r)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ")
}
