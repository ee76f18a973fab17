package signing

import (
	"crypto/ed25519"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing/keys"
)

// sampleRelease has every field set, as a release of an image that reused
// another's artifact and ran two checks.
func sampleRelease() ledger.Release {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)
	return ledger.Release{
		Image: "hello", Version: "1.2.0",
		Digest:       "sha256:" + strings.Repeat("ab", 32),
		Reference:    "127.0.0.1:5000/demo/hello@sha256:" + strings.Repeat("ab", 32),
		InputsDigest: "sha256:" + strings.Repeat("cd", 32),
		Base:         "debian@1.0.0", GitCommit: "0123456789abcdef", Status: ledger.StatusValidated,
		Checks: []ledger.CheckResult{
			{Name: "healthz", Kind: "http", Passed: true, Detail: "200 and body matched", Duration: 1500 * time.Millisecond},
			{Name: "version", Kind: "command", Passed: true, Detail: "stdout 1.2.0", Duration: time.Second, Platform: "linux/arm64"},
		},
		CreatedAt: at, CreatedBy: "ci",
		AMIs: map[string]string{"us-east-1": "ami-1", "eu-west-1": "ami-2"},
		Provenance: ledger.Provenance{GitDirty: true, TemplateDigest: "sha256:ef", Builder: "docker",
			BuilderVersion: "3", BuiltAt: at.Add(-time.Minute), BuildDuration: 42 * time.Second, ReusedFrom: "hello@1.1.0",
			Platforms: []ledger.PlatformImage{{Platform: "linux/arm64", Digest: "sha256:" + strings.Repeat("12", 32)}}},
	}
}

func newKey(t *testing.T) (ed25519.PrivateKey, keys.PublicKey) {
	t.Helper()
	priv, err := keys.GenerateKey()
	require.NoError(t, err)
	pub := priv.Public().(ed25519.PublicKey)
	return priv, keys.PublicKey{Key: pub, ID: keys.KeyID(pub)}
}

func signed(t *testing.T, priv ed25519.PrivateKey, rel ledger.Release) ledger.Release {
	t.Helper()
	sig, id, err := Sign(priv, rel)
	require.NoError(t, err)
	rel.Signature, rel.SigningKey = sig, id
	return rel
}

func TestSignAndVerify(t *testing.T) {
	priv, pub := newKey(t)
	_, other := newKey(t)
	rel := signed(t, priv, sampleRelease())
	assert.Equal(t, pub.ID, rel.SigningKey)
	assert.True(t, strings.HasPrefix(rel.SigningKey, "sha256:") && len(rel.SigningKey) == 71, rel.SigningKey)

	require.NoError(t, Verify([]keys.PublicKey{other, pub}, rel), "any trusted key that made it")

	err := Verify([]keys.PublicKey{other}, rel)
	require.ErrorIs(t, err, ErrUnknownKey)
	assert.Equal(t, "its signing key is not trusted: it was signed by "+pub.ID+", which is not among signing.public_keys in bake.yaml", err.Error())

	unsigned := sampleRelease()
	err = Verify([]keys.PublicKey{pub}, unsigned)
	require.ErrorIs(t, err, ErrUnsigned)
	assert.Equal(t, "it is not signed, and bake.yaml (signing.public_keys) accepts only signed releases: "+
		"it was recorded without a signing key, or its signature was removed from the ledger", err.Error())

	tampered := rel
	tampered.Status = ledger.StatusFailed
	err = Verify([]keys.PublicKey{pub}, tampered)
	require.ErrorIs(t, err, ErrBadSignature)
	assert.Equal(t, "its signature does not match the record (the ledger entry was changed after it was signed)", err.Error())

	// Someone who can write the ledger but has no key cannot re-sign, nor
	// move a signature from one release to another.
	moved := signed(t, priv, func() ledger.Release { r := sampleRelease(); r.Version = "9.9.9"; return r }())
	tampered = rel
	tampered.Signature = moved.Signature
	assert.ErrorIs(t, Verify([]keys.PublicKey{pub}, tampered), ErrBadSignature)

	for _, sig := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		tampered = rel
		tampered.Signature = sig
		assert.ErrorIs(t, Verify([]keys.PublicKey{pub}, tampered), ErrBadSignature, sig)
	}
	tampered = rel
	tampered.SigningKey = ""
	assert.ErrorIs(t, Verify([]keys.PublicKey{pub}, tampered), ErrUnknownKey)
}

// TestPayloadCoversEveryReleaseField changes each field of a release, one
// at a time, and expects the signature to break: everything a deploy
// trusts is signed. A field added to ledger.Release fails here until
// signedRelease covers it (or the test names it as deliberately unsigned).
func TestPayloadCoversEveryReleaseField(t *testing.T) {
	unsigned := map[string]bool{"Signature": true, "SigningKey": true}
	priv, pub := newKey(t)
	base := signed(t, priv, sampleRelease())
	require.NoError(t, Verify([]keys.PublicKey{pub}, base))

	for _, path := range leafFields(reflect.TypeOf(base), "") {
		if unsigned[path] {
			continue
		}
		t.Run(path, func(t *testing.T) {
			rel := base
			rel.Checks = append([]ledger.CheckResult(nil), base.Checks...)
			rel.Provenance.Platforms = append([]ledger.PlatformImage(nil), base.Provenance.Platforms...)
			rel.AMIs = map[string]string{}
			for k, v := range base.AMIs {
				rel.AMIs[k] = v
			}
			change(reflect.ValueOf(&rel).Elem(), strings.Split(path, "."))
			assert.ErrorIs(t, Verify([]keys.PublicKey{pub}, rel), ErrBadSignature, "a changed %s must not verify", path)
		})
	}
}

// leafFields lists the dotted paths of the fields of a struct type that
// hold values, descending into structs (not time.Time) and into the
// element of a slice of structs ("Checks.Name").
func leafFields(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		path := prefix + f.Name
		switch {
		case f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Time{}):
			out = append(out, leafFields(f.Type, path+".")...)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			out = append(out, path)
			out = append(out, leafFields(f.Type.Elem(), path+".")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// change alters the field at path in v: the first element of a slice for
// a path that goes on into it.
func change(v reflect.Value, path []string) {
	f := v.FieldByName(path[0])
	if len(path) > 1 {
		if f.Kind() == reflect.Slice {
			f = f.Index(0)
		}
		change(f, path[1:])
		return
	}
	switch x := f.Addr().Interface().(type) {
	case *string:
		*x += "x"
	case *bool:
		*x = !*x
	case *time.Duration:
		*x++
	case *time.Time:
		*x = x.Add(time.Nanosecond)
	case *map[string]string:
		(*x)["ap-south-1"] = "ami-3"
	case *[]ledger.CheckResult:
		*x = (*x)[:len(*x)-1]
	case *[]ledger.PlatformImage:
		*x = nil
	default:
		panic("change: no rule for " + f.Type().String())
	}
}

// TestPayloadIsCanonical: what a ledger may change about a release while
// storing it does not change what was signed.
func TestPayloadIsCanonical(t *testing.T) {
	rel := sampleRelease()
	want, err := Payload(rel)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(want), "bake release signature v1\n{"), string(want))

	same := rel
	same.CreatedAt = rel.CreatedAt.In(time.FixedZone("CET", 3600))
	same.Provenance.BuiltAt = rel.Provenance.BuiltAt.Local()
	same.Signature, same.SigningKey = "anything", "sha256:anything"
	got, err := Payload(same)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "time zones and the signature fields do not count")

	empty := sampleRelease()
	empty.Checks, empty.AMIs = nil, nil
	a, err := Payload(empty)
	require.NoError(t, err)
	empty.Checks, empty.AMIs = []ledger.CheckResult{}, map[string]string{}
	b, err := Payload(empty)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b), "no checks and no AMIs, absent or empty")

	invalid := sampleRelease()
	invalid.Checks[0].Detail = "output \xff\xfe"
	a, err = Payload(invalid)
	require.NoError(t, err)
	invalid.Checks[0].Detail = "output \uFFFD\uFFFD"
	b, err = Payload(invalid)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b), "bytes that are not UTF-8 read as the SQLite ledger stores them")
}
