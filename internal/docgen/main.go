// Command docgen writes the references generated from bake's code into
// docs/reference: the CLI reference from the cobra commands, and the
// bake.yaml reference and JSON Schema from the config types. `make docs`
// runs it; its test fails when what is committed differs from what it
// would write.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("out", "docs/reference", "directory the references are written to")
	root := flag.String("root", ".", "root of the bake module, whose sources the references are read from")
	flag.Parse()
	files, err := generate(*root)
	if err == nil {
		err = files.write(*out)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "docgen: %v\n", err)
		os.Exit(1)
	}
}
