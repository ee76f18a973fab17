package cst

import (
	"github.com/bakehq/bake/internal/probe"
)

// renderer renders the string fields of tests with bake's check data
// ({{ .Version }}, {{ .Image }}, {{ .Vars.NAME }}), keeping the first error.
type renderer struct {
	data probe.Data
	err  error
}

func (r *renderer) str(field, s string) string {
	if r.err != nil || s == "" {
		return s
	}
	out, err := r.data.Render(field, s)
	if err != nil {
		r.err = err
		return s
	}
	return out
}

// strs renders a list, keeping nil apart from empty.
func (r *renderer) strs(field string, list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = r.str(index(field, i), s)
	}
	return out
}

func (r *renderer) envVars(field string, list []EnvVar) []EnvVar {
	if list == nil {
		return nil
	}
	out := make([]EnvVar, len(list))
	for i, ev := range list {
		p := index(field, i)
		out[i] = EnvVar{Key: r.str(join(p, "key"), ev.Key), Value: r.str(join(p, "value"), ev.Value), IsRegex: ev.IsRegex}
	}
	return out
}

func (r *renderer) commandTest(path string, t CommandTest) CommandTest {
	return CommandTest{
		Name:           r.str(join(path, "name"), t.Name),
		Command:        r.str(join(path, "command"), t.Command),
		Args:           r.strs(join(path, "args"), t.Args),
		EnvVars:        r.envVars(join(path, "envVars"), t.EnvVars),
		ExpectedOutput: r.strs(join(path, "expectedOutput"), t.ExpectedOutput),
		ExcludedOutput: r.strs(join(path, "excludedOutput"), t.ExcludedOutput),
		ExpectedError:  r.strs(join(path, "expectedError"), t.ExpectedError),
		ExcludedError:  r.strs(join(path, "excludedError"), t.ExcludedError),
		ExitCode:       t.ExitCode,
	}
}

func (r *renderer) fileExistenceTest(path string, t FileExistenceTest) FileExistenceTest {
	t.Name = r.str(join(path, "name"), t.Name)
	t.Path = r.str(join(path, "path"), t.Path)
	return t
}

func (r *renderer) fileContentTest(path string, t FileContentTest) FileContentTest {
	return FileContentTest{
		Name:             r.str(join(path, "name"), t.Name),
		Path:             r.str(join(path, "path"), t.Path),
		ExpectedContents: r.strs(join(path, "expectedContents"), t.ExpectedContents),
		ExcludedContents: r.strs(join(path, "excludedContents"), t.ExcludedContents),
	}
}

func (r *renderer) metadataTest(path string, t *MetadataTest) *MetadataTest {
	out := &MetadataTest{
		EnvVars:          r.envVars(join(path, "envVars"), t.EnvVars),
		UnboundEnvVars:   r.strs(join(path, "unboundEnvVars"), t.UnboundEnvVars),
		ExposedPorts:     r.strs(join(path, "exposedPorts"), t.ExposedPorts),
		UnexposedPorts:   r.strs(join(path, "unexposedPorts"), t.UnexposedPorts),
		Volumes:          r.strs(join(path, "volumes"), t.Volumes),
		UnmountedVolumes: r.strs(join(path, "unmountedVolumes"), t.UnmountedVolumes),
		Entrypoint:       r.strs(join(path, "entrypoint"), t.Entrypoint),
		Cmd:              r.strs(join(path, "cmd"), t.Cmd),
		Workdir:          r.str(join(path, "workdir"), t.Workdir),
		User:             r.str(join(path, "user"), t.User),
	}
	for i, l := range t.Labels {
		p := index(join(path, "labels"), i)
		out.Labels = append(out.Labels, Label{Key: r.str(join(p, "key"), l.Key), Value: r.str(join(p, "value"), l.Value), IsRegex: l.IsRegex})
	}
	return out
}
