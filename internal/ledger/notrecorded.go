package ledger

import (
	"errors"
	"fmt"
)

// NotRecorded is the error of a release the ledger does not hold, said
// once, with where to look: it wraps ErrNotFound. Any other error of a
// read is returned as it is.
func NotRecorded(image, version string, err error) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	return notRecorded{image: image, version: version}
}

type notRecorded struct{ image, version string }

func (e notRecorded) Error() string {
	return fmt.Sprintf("%s@%s is not recorded: `bake history %s` lists its releases", e.image, e.version, e.image)
}

func (notRecorded) Unwrap() error { return ErrNotFound }
