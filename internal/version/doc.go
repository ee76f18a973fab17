// Package version decides the semantic version of the next release of an image
// from its git tags (IMAGE/vX.Y.Z), the versions already recorded in the ledger
// and the conventional commits made since the last release.
package version
