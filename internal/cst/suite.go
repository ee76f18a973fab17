// Package cst reads container-structure-test files (schemaVersion 2.0.0)
// and runs them against an image in the local engine, so teams keep the
// structure tests they already have. File and metadata tests read the
// image's config and flattened filesystem from its layers, so they also work
// on images without a shell; command tests run each command in a throwaway
// container of its own.
package cst

// FileName is the container-structure-test file bake runs when an image's
// build context has one.
const FileName = "checks.yaml"

// SchemaVersion is the only container-structure-test schema bake reads.
const SchemaVersion = "2.0.0"

// Suite is one container-structure-test file.
type Suite struct {
	File               string   // path as given to Load
	GlobalEnvVars      []EnvVar // set for every command test
	CommandTests       []CommandTest
	FileExistenceTests []FileExistenceTest
	FileContentTests   []FileContentTest
	MetadataTest       *MetadataTest // nil when the file has none
}

// EnvVar is an environment variable a command test sets, or one the
// metadata test expects; Value is a regular expression when IsRegex is set.
type EnvVar struct {
	Key     string
	Value   string
	IsRegex bool
}

// Label is an image label the metadata test expects; Value is a regular
// expression when IsRegex is set.
type Label struct {
	Key     string
	Value   string
	IsRegex bool
}

// CommandTest runs Command with Args as the container's entrypoint and
// checks what it prints and how it exits. Output patterns are regular
// expressions matched anywhere in the output.
type CommandTest struct {
	Name           string
	Command        string
	Args           []string
	EnvVars        []EnvVar
	ExpectedOutput []string
	ExcludedOutput []string
	ExpectedError  []string
	ExcludedError  []string
	ExitCode       int
}

// FileExistenceTest checks that a path exists (or not) with the given mode
// and owner.
type FileExistenceTest struct {
	Name        string
	Path        string
	ShouldExist bool   // true unless the file says otherwise
	Permissions string // as Go's fs.FileMode prints it, such as -rwxr-xr-x; "" is any
	UID, GID    *int   // nil is any
	// IsExecutableBy is owner, group, other or any; "" is not checked.
	IsExecutableBy string
}

// FileContentTest checks a file's contents against regular expressions.
type FileContentTest struct {
	Name             string
	Path             string
	ExpectedContents []string
	ExcludedContents []string
}

// MetadataTest checks the image's config. Every field is optional; for
// Entrypoint and Cmd nil means not checked and an empty list means the image
// must have none.
type MetadataTest struct {
	EnvVars          []EnvVar
	UnboundEnvVars   []string
	Labels           []Label
	ExposedPorts     []string
	UnexposedPorts   []string
	Volumes          []string
	UnmountedVolumes []string
	Entrypoint       []string
	Cmd              []string
	Workdir          string
	User             string
}
