package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// comments are the doc comments of a package's struct types and their
// fields, read from its source: "Type" and "Type.Field" to the text.
type comments map[string]string

// readComments parses the Go files of the package in dir, leaving tests out.
func readComments(dir string) (comments, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	out := comments{}
	for _, pkg := range pkgs {
		for _, file := range pkg.Files {
			for _, decl := range file.Decls {
				gen, ok := decl.(*ast.GenDecl)
				if !ok || gen.Tok != token.TYPE {
					continue
				}
				for _, spec := range gen.Specs {
					ts := spec.(*ast.TypeSpec)
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					doc := ts.Doc
					if doc == nil && len(gen.Specs) == 1 {
						doc = gen.Doc
					}
					out[ts.Name.Name] = paragraph(doc)
					for _, f := range st.Fields.List {
						text := paragraph(f.Doc)
						if text == "" {
							text = paragraph(f.Comment)
						}
						for _, name := range f.Names {
							out[ts.Name.Name+"."+name.Name] = text
						}
					}
				}
			}
		}
	}
	return out, nil
}

// paragraph joins a comment's lines into one.
func paragraph(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}

// field returns the description of a field for a reader of bake.yaml: its
// comment without the Go name it starts with ("Ledger is where..." becomes
// "Where...").
func (c comments) field(typ, name string) string {
	return sentence(withoutName(c[typ+"."+name], name))
}

// withoutName drops the Go name a comment starts with: "Ledger is where"
// becomes "where", "Base names" becomes "names".
func withoutName(text, name string) string {
	rest, ok := strings.CutPrefix(text, name+" ")
	if !ok {
		return text
	}
	for _, verb := range []string{"is ", "are "} {
		if r, ok := strings.CutPrefix(rest, verb); ok {
			return r
		}
	}
	return rest
}

// typeDoc returns a type's comment without the Go name it starts with.
func (c comments) typeDoc(typ string) string {
	return sentence(withoutName(c[typ], typ))
}

// sentence starts text with a capital and ends it with a full stop.
func sentence(text string) string {
	if text == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(text)
	text = string(unicode.ToUpper(r)) + text[n:]
	if !strings.HasSuffix(text, ".") {
		text += "."
	}
	return text
}
