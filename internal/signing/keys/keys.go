// Package keys reads, writes and names the ed25519 keys releases are
// signed with. It depends on no ledger, so bake.yaml's loader can check
// the public keys it lists without linking a database.
package keys

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrInvalidKey is wrapped by every problem with a key file or key text:
// missing, unreadable, not PEM, or not an ed25519 key of the right kind
// (exit 2).
var ErrInvalidKey = errors.New("invalid key")

// PEM block types of the two halves of a key pair.
const (
	privateKeyType = "PRIVATE KEY" // PKCS #8
	publicKeyType  = "PUBLIC KEY"  // PKIX
)

// PublicKey is a key that releases may be signed with: what bake.yaml's
// signing.public_keys lists.
type PublicKey struct {
	Key  ed25519.PublicKey
	ID   string // KeyID(Key)
	File string // the file it was read from, for messages; "" if none
}

// GenerateKey makes a new ed25519 key pair.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating an ed25519 key: %w", err)
	}
	return priv, nil
}

// KeyID names a public key: "sha256:" and the hex sha256 of its 32 raw
// bytes. Releases record the id of the key that signed them.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ShortID is a key id cut to a length people read: "sha256:" and 12 hex digits.
func ShortID(id string) string {
	if len(id) > len("sha256:")+12 {
		return id[:len("sha256:")+12]
	}
	return id
}

// EncodePrivateKey returns priv as a PKCS #8 "PRIVATE KEY" PEM block.
func EncodePrivateKey(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encoding the private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: privateKeyType, Bytes: der}), nil
}

// EncodePublicKey returns pub as a PKIX "PUBLIC KEY" PEM block.
func EncodePublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding the public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: publicKeyType, Bytes: der}), nil
}

// ParsePrivateKey reads an ed25519 private key written by EncodePrivateKey
// (or `openssl genpkey -algorithm ed25519`). Its errors wrap ErrInvalidKey
// and never quote the key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, err := onePEMBlock(data)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case privateKeyType:
	case publicKeyType:
		return nil, Errorf("it is a public key; signing needs the private key (the file without .pub)")
	default:
		return nil, Errorf("it holds a %q PEM block; want %q (PKCS #8), as `bake keygen` writes", block.Type, privateKeyType)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, Errorf("it is not a PKCS #8 private key: %v", err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, Errorf("it is an %s private key; bake signs with ed25519 keys (`bake keygen` makes one)", algorithm(key))
	}
	return priv, nil
}

// ParsePublicKey reads an ed25519 public key written by EncodePublicKey.
// Its errors wrap ErrInvalidKey.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	block, err := onePEMBlock(data)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case publicKeyType:
	case privateKeyType:
		// Said plainly: this file is meant to be committed.
		return nil, Errorf("it is a PRIVATE key; list the public key (the .pub file) and keep the private key secret")
	default:
		return nil, Errorf("it holds a %q PEM block; want %q (PKIX), as `bake keygen` writes", block.Type, publicKeyType)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, Errorf("it is not a PKIX public key: %v", err)
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, Errorf("it is an %s public key; bake verifies ed25519 keys (`bake keygen` makes one)", algorithm(key))
	}
	return pub, nil
}

// maxKeyFile bounds what ReadKeyFile reads: a PEM key is a few lines.
const maxKeyFile = 64 << 10

// ReadKeyFile reads a key file, refusing anything but a regular file of at
// most a few kilobytes, so that a path such as /dev/zero named by mistake
// is an error rather than a hang. Errors name no path: callers do.
func ReadKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pathless(err)
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, pathless(err)
	case st.IsDir():
		return nil, errors.New("is a directory")
	case !st.Mode().IsRegular():
		return nil, errors.New("is not a regular file")
	case st.Size() > maxKeyFile:
		return nil, fmt.Errorf("is %d bytes; a key file is a few lines", st.Size())
	}
	return io.ReadAll(io.LimitReader(f, maxKeyFile))
}

// pathless drops the path an *fs.PathError repeats: messages name the file already.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// onePEMBlock returns the only PEM block in data.
func onePEMBlock(data []byte) (*pem.Block, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, Errorf("it is not a PEM key (no -----BEGIN line)")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, Errorf("it holds more than one PEM block; want exactly one key")
	}
	return block, nil
}

func algorithm(key any) string {
	switch key.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "ECDSA"
	case *ecdh.PrivateKey, *ecdh.PublicKey:
		return "ECDH"
	}
	return fmt.Sprintf("%T", key)
}

// keyError is a problem with a key: ErrInvalidKey without its text, so a
// message reads "reading FILE: it is not a PEM key".
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return ErrInvalidKey }

// Errorf is a problem with a key, wrapping ErrInvalidKey.
func Errorf(format string, args ...any) error {
	return &keyError{msg: fmt.Sprintf(format, args...)}
}
