package builder

// Exported for the builders in the packages below this one (ami), so every
// builder hashes its inputs the same way.

// InputsDigest is the inputs digest of a build whose own inputs (rendered
// template, build context, whatever else decides its bytes) are inputs: it
// adds the builder version, the base release and the variables.
func InputsDigest(s Spec, inputs []byte) string { return inputsDigest(s, inputs) }

// ContextDigest is the sha256 of the build context dir as a docker build
// would see it (honouring .dockerignore; names, modes and contents only).
func ContextDigest(dir string) (string, error) {
	tar, err := contextTar(dir, nil)
	if err != nil {
		return "", err
	}
	return sha(tar), nil
}

// Digest names bytes by their sha256 digest ("sha256:...").
func Digest(b []byte) string { return sha(b) }
