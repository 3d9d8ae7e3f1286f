package modcheck

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/iancoleman/strcase"
)

// The engine derives names with github.com/iancoleman/strcase (v0.3.0, the
// release Dagger v0.21 pins), configured with the acronyms JSON and LLM:
// GraphQL names are ToLowerCamel of the Go name, CLI names ToKebab of those.
func init() {
	strcase.ConfigureAcronym("JSON", "JSON")
	strcase.ConfigureAcronym("LLM", "LLM")
}

// graphQLName is the engine's name for a Go function, argument or field.
func graphQLName(goName string) string { return strcase.ToLowerCamel(goName) }

// CLIName is how `dagger call` spells a function, argument or field.
func CLIName(goName string) string { return strcase.ToKebab(graphQLName(goName)) }

// TypeKind classifies a Go type as the engine sees it.
type TypeKind int

// Kinds of TypeRef.
const (
	KindVoid TypeKind = iota
	KindScalar
	KindList
	KindCore   // a core API object: *dagger.Directory, File, Container, …
	KindObject // an object of this module
	KindContext
	KindError
	KindInvalid
)

// TypeRef is a type of an argument, a field or a return value.
type TypeRef struct {
	Kind TypeKind
	// Name is the scalar ("string"), the core type ("Directory") or the
	// module object ("Report"); for a list, Elem holds the element.
	Name string
	Elem *TypeRef
	// Why says why a type is invalid.
	Why string
}

func (t TypeRef) String() string {
	switch t.Kind {
	case KindList:
		return "[" + t.Elem.String() + "]"
	case KindVoid:
		return "void"
	}
	return t.Name
}

// Arg is one argument of a function.
type Arg struct {
	GoName, CLIName, Doc string
	Pragmas              map[string]any
	Type                 TypeRef
	Pos                  token.Position
}

// Optional reports whether `dagger call` may leave the argument out.
func (a *Arg) Optional() bool {
	for _, k := range []string{"optional", "default", "defaultPath", "defaultAddress"} {
		if v, ok := a.Pragmas[k]; ok && v != false {
			return true
		}
	}
	return false
}

// Function is a function (or a field, which the CLI calls like one) of an
// object.
type Function struct {
	GoName, CLIName, Doc string
	Pragmas              map[string]any
	Args                 []*Arg
	Returns              TypeRef
	ReturnsError         bool
	IsField              bool
	Pos                  token.Position
	// Problems found while reading the signature (bad parameter or result
	// shapes), reported by Lint.
	problems []string
}

// Object is a type whose functions the engine exposes.
type Object struct {
	Name      string
	Doc       string
	Functions map[string]*Function // by CLI name
}

// Module is the Dagger module as the Go SDK codegen reads it.
type Module struct {
	Name        string
	Main        string // the main object's Go name
	Constructor *Function
	Objects     map[string]*Object
	// Dir is the module's source directory (dagger.json's "source").
	Dir string
}

// Config is the part of dagger.json that matters here.
type Config struct {
	Name          string `json:"name"`
	Source        string `json:"source"`
	EngineVersion string `json:"engineVersion"`
	SDK           struct {
		Source string `json:"source"`
	} `json:"sdk"`
	// Include lists what the engine loads with the module's own source
	// (patterns relative to dagger.json).
	Include []string `json:"include"`
}

// ReadConfig reads dagger.json in dir.
func ReadConfig(dir string) (Config, error) {
	var c Config
	data, err := os.ReadFile(filepath.Join(dir, "dagger.json"))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("parsing dagger.json: %w", err)
	}
	return c, nil
}

// ParseModule reads the module whose dagger.json is in root: its source
// directory's package main, as the codegen does (exported methods of the
// main object and of every object reachable from it, exported fields).
func ParseModule(root string) (*Module, error) {
	cfg, err := ReadConfig(root)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, cfg.Source)
	fset := token.NewFileSet()
	//nolint:staticcheck // SA1019: the module's main package has no build-tagged file, and go/packages would need its generated code.
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go") && fi.Name() != "dagger.gen.go"
	}, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parsing the module in %s: %w", dir, err)
	}
	pkg, ok := pkgs["main"]
	if !ok {
		return nil, fmt.Errorf("%s has no package main", dir)
	}
	p := &moduleParser{fset: fset, types: map[string]*ast.TypeSpec{}, typeDocs: map[string]string{}, methods: map[string][]*ast.FuncDecl{}}
	var newDecl *ast.FuncDecl
	for _, name := range sortedKeys(pkg.Files) {
		f := pkg.Files[name]
		if hasBuildTag(f) {
			continue // e.g. tools.go: not compiled, so not seen by the codegen
		}
		p.files = append(p.files, f)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						p.types[ts.Name.Name] = ts
						doc := ts.Doc
						if doc == nil {
							doc = d.Doc
						}
						p.typeDocs[ts.Name.Name] = doc.Text()
					}
				}
			case *ast.FuncDecl:
				switch {
				case d.Recv == nil && d.Name.Name == "New":
					newDecl = d
				case d.Recv != nil && d.Name.IsExported():
					recv := recvName(d.Recv.List[0].Type)
					p.methods[recv] = append(p.methods[recv], d)
				}
			}
		}
	}
	m := &Module{Name: cfg.Name, Objects: map[string]*Object{}, Dir: dir}
	for name := range p.types {
		if strcase.ToCamel(name) == strcase.ToCamel(cfg.Name) {
			m.Main = name
		}
	}
	if m.Main == "" {
		return nil, fmt.Errorf("no main object: the module %q needs a struct type named %s", cfg.Name, strcase.ToCamel(cfg.Name))
	}
	if newDecl != nil {
		m.Constructor = p.function(newDecl)
	}
	p.object(m.Main, m)
	return m, nil
}

func hasBuildTag(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build") {
				return true
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type moduleParser struct {
	fset     *token.FileSet
	files    []*ast.File
	types    map[string]*ast.TypeSpec
	typeDocs map[string]string
	methods  map[string][]*ast.FuncDecl
}

func recvName(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// object adds the object name (and every object its functions reach).
func (p *moduleParser) object(name string, m *Module) {
	if _, done := m.Objects[name]; done {
		return
	}
	o := &Object{Name: name, Doc: strings.TrimSpace(p.typeDocs[name]), Functions: map[string]*Function{}}
	m.Objects[name] = o
	if st, ok := p.types[name].Type.(*ast.StructType); ok {
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if !n.IsExported() {
					continue
				}
				text := f.Doc.Text()
				if f.Comment != nil {
					text += "\n" + f.Comment.Text() // the line comment wins, as in the codegen
				}
				prag, doc := parsePragmas(text)
				if _, private := prag["private"]; private {
					continue
				}
				fn := &Function{GoName: n.Name, CLIName: CLIName(n.Name), Doc: doc, Pragmas: prag, IsField: true,
					Returns: p.typeRef(f.Type), Pos: p.fset.Position(n.Pos())}
				o.Functions[fn.CLIName] = fn
			}
		}
	}
	for _, d := range p.methods[name] {
		fn := p.function(d)
		o.Functions[fn.CLIName] = fn
	}
	for _, fn := range o.Functions {
		if fn.Returns.Kind == KindObject {
			p.object(fn.Returns.Name, m)
		}
		for _, a := range fn.Args {
			if a.Type.Kind == KindObject {
				p.object(a.Type.Name, m)
			}
		}
	}
}

// function reads a function's signature, doc and pragmas.
func (p *moduleParser) function(d *ast.FuncDecl) *Function {
	prag, doc := parsePragmas(d.Doc.Text())
	fn := &Function{GoName: d.Name.Name, CLIName: CLIName(d.Name.Name), Doc: doc, Pragmas: prag, Pos: p.fset.Position(d.Pos())}
	var params []*ast.Field
	var names []*ast.Ident
	for _, f := range d.Type.Params.List {
		if len(f.Names) == 0 {
			params, names = append(params, f), append(names, nil)
		}
		for _, n := range f.Names {
			params, names = append(params, f), append(names, n)
		}
	}
	for i, f := range params {
		t := p.typeRef(f.Type)
		if t.Kind == KindContext {
			if i != 0 {
				fn.problems = append(fn.problems, "context.Context must be the first parameter")
			}
			continue
		}
		if names[i] == nil {
			fn.problems = append(fn.problems, "every parameter needs a name (it becomes the argument's name)")
			continue
		}
		text := p.paramComment(d, params, i)
		aprag, adoc := parsePragmas(text)
		fn.Args = append(fn.Args, &Arg{GoName: names[i].Name, CLIName: CLIName(names[i].Name), Doc: adoc, Pragmas: aprag, Type: t, Pos: p.fset.Position(names[i].Pos())})
	}
	var results []ast.Expr
	if d.Type.Results != nil {
		for _, f := range d.Type.Results.List {
			n := max(len(f.Names), 1)
			for range n {
				results = append(results, f.Type)
			}
		}
	}
	switch len(results) {
	case 0:
		fn.Returns = TypeRef{Kind: KindVoid}
	case 1:
		if t := p.typeRef(results[0]); t.Kind == KindError {
			fn.Returns, fn.ReturnsError = TypeRef{Kind: KindVoid}, true
		} else {
			fn.Returns = t
		}
	case 2:
		fn.Returns = p.typeRef(results[0])
		if p.typeRef(results[1]).Kind != KindError {
			fn.problems = append(fn.problems, "a second result must be error")
		}
		fn.ReturnsError = true
	default:
		fn.problems = append(fn.problems, "at most two results: a value and an error")
	}
	return fn
}

// paramComment finds a parameter's doc comment: the comment group that
// ends on the line before it, not on the previous parameter's line (the
// codegen's commentForFuncField), plus a line comment on its own line.
func (p *moduleParser) paramComment(d *ast.FuncDecl, params []*ast.Field, i int) string {
	line := p.fset.Position(params[i].Pos()).Line
	prevLine := p.fset.Position(d.Type.Params.Pos()).Line
	if i > 0 {
		prevLine = p.fset.Position(params[i-1].Pos()).Line
	}
	file := p.fset.File(params[i].Pos())
	var doc, lineComment string
	for _, f := range p.files {
		if p.fset.File(f.Pos()) != file {
			continue
		}
		for _, cg := range f.Comments {
			last := p.fset.Position(cg.End()).Line
			first := p.fset.Position(cg.Pos()).Line
			if last == line-1 && first > prevLine {
				doc = cg.Text()
			}
			if first == line && cg.Pos() > params[i].Pos() {
				lineComment = cg.Text()
			}
		}
	}
	if lineComment != "" {
		return doc + "\n" + lineComment
	}
	return doc
}

// coreTypes are the core API objects a module may take or return.
var coreTypes = map[string]bool{
	"Directory": true, "File": true, "Container": true, "Secret": true, "Service": true, "Socket": true,
	"CacheVolume": true, "GitRepository": true, "GitRef": true, "Module": true, "ModuleSource": true,
	"Terminal": true, "Env": true, "LLM": true, "Changeset": true,
}

// scalarTypes are the Go types the codegen maps to GraphQL scalars.
var scalarTypes = map[string]bool{
	"string": true, "bool": true, "int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"float32": true, "float64": true,
}

// typeRef classifies a type expression the way the codegen accepts it.
func (p *moduleParser) typeRef(e ast.Expr) TypeRef {
	invalid := func(why string) TypeRef { return TypeRef{Kind: KindInvalid, Name: exprString(e), Why: why} }
	switch t := e.(type) {
	case *ast.Ident:
		switch {
		case t.Name == "error":
			return TypeRef{Kind: KindError, Name: "error"}
		case scalarTypes[t.Name]:
			return TypeRef{Kind: KindScalar, Name: t.Name}
		case strings.HasPrefix(t.Name, "uint"):
			return invalid("unsigned integers are not supported by the Go SDK (only int types)")
		case p.types[t.Name] != nil:
			switch u := p.types[t.Name].Type.(type) {
			case *ast.StructType:
				return TypeRef{Kind: KindObject, Name: t.Name}
			case *ast.Ident:
				if scalarTypes[u.Name] {
					return TypeRef{Kind: KindScalar, Name: t.Name}
				}
			}
			return invalid("only named structs, and named types over scalars, are supported")
		}
		return invalid("unknown type")
	case *ast.StarExpr:
		inner := p.typeRef(t.X)
		switch inner.Kind {
		case KindCore, KindObject:
			return inner
		case KindScalar:
			return inner // *string etc.: optional
		}
		return inner
	case *ast.SelectorExpr:
		pkg, _ := t.X.(*ast.Ident)
		switch {
		case pkg != nil && pkg.Name == "context" && t.Sel.Name == "Context":
			return TypeRef{Kind: KindContext, Name: "context.Context"}
		case pkg != nil && pkg.Name == "dagger" && coreTypes[t.Sel.Name]:
			return TypeRef{Kind: KindCore, Name: t.Sel.Name}
		case pkg != nil && pkg.Name == "dagger" && t.Sel.Name == "Platform":
			return TypeRef{Kind: KindScalar, Name: "Platform"}
		}
		return invalid("types of other packages are not supported (only core dagger types)")
	case *ast.ArrayType:
		if t.Len != nil {
			return invalid("arrays are not supported; use a slice")
		}
		elem := p.typeRef(t.Elt)
		if elem.Kind == KindInvalid {
			return elem
		}
		return TypeRef{Kind: KindList, Elem: &elem}
	case *ast.Ellipsis:
		elem := p.typeRef(t.Elt)
		return TypeRef{Kind: KindList, Elem: &elem}
	case *ast.MapType:
		return invalid("maps are not supported")
	case *ast.StructType:
		return invalid("struct types must be named")
	case *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		return invalid("channels, functions and unnamed interfaces are not supported")
	}
	return invalid("unsupported type")
}

func exprString(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return exprString(t.X) + "." + t.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(t.X)
	case *ast.ArrayType:
		return "[]" + exprString(t.Elt)
	case *ast.MapType:
		return "map[" + exprString(t.Key) + "]" + exprString(t.Value)
	}
	return fmt.Sprintf("%T", e)
}
