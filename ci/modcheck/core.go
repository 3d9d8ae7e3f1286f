package modcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
)

// CoreAPI reads the core object types (Directory, File, Container, …) from
// the Go SDK's generated client in upstreamDir (dagger.io/dagger at the
// pinned release): each method becomes a function with its positional
// parameters as required arguments and its Opts struct's fields as optional
// ones, as `dagger call` offers them.
func CoreAPI(upstreamDir string) (map[string]*Object, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(upstreamDir, "dagger.gen.go"), nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parsing the SDK's dagger.gen.go: %w", err)
	}
	opts := map[string]*ast.StructType{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok {
			for _, s := range g.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok {
					if st, ok := ts.Type.(*ast.StructType); ok && strings.HasSuffix(ts.Name.Name, "Opts") {
						opts[ts.Name.Name] = st
					}
				}
			}
		}
	}
	objects := map[string]*Object{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || !fd.Name.IsExported() {
			continue
		}
		recv := recvName(fd.Recv.List[0].Type)
		name := fd.Name.Name
		if recv == "" || name == "With" || name == "ID" || name == "MarshalJSON" || name == "UnmarshalJSON" ||
			strings.HasPrefix(name, "XXX_") || strings.HasPrefix(name, "WithGraphQLQuery") {
			continue
		}
		o := objects[recv]
		if o == nil {
			o = &Object{Name: recv, Functions: map[string]*Function{}}
			objects[recv] = o
		}
		fn := &Function{GoName: name, CLIName: CLIName(name), Returns: TypeRef{Kind: KindVoid}}
		for _, p := range fd.Type.Params.List {
			if sel, ok := p.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Context" {
				continue
			}
			if el, ok := p.Type.(*ast.Ellipsis); ok {
				if id, ok := el.Elt.(*ast.Ident); ok && opts[id.Name] != nil {
					for _, field := range opts[id.Name].Fields.List {
						for _, n := range field.Names {
							fn.Args = append(fn.Args, &Arg{GoName: n.Name, CLIName: CLIName(n.Name), Pragmas: map[string]any{"optional": true}, Type: coreType(field.Type)})
						}
					}
					continue
				}
			}
			for _, n := range p.Names {
				fn.Args = append(fn.Args, &Arg{GoName: n.Name, CLIName: CLIName(n.Name), Pragmas: map[string]any{}, Type: coreType(p.Type)})
			}
		}
		if fd.Type.Results != nil && len(fd.Type.Results.List) > 0 {
			if t := coreType(fd.Type.Results.List[0].Type); t.Kind != KindError {
				fn.Returns = t
			}
		}
		o.Functions[fn.CLIName] = fn
	}
	if len(objects["File"].functions()) == 0 || objects["Directory"] == nil || objects["Container"] == nil {
		return nil, fmt.Errorf("the SDK in %s has no File, Directory or Container type: is it dagger.io/dagger?", upstreamDir)
	}
	return objects, nil
}

func (o *Object) functions() map[string]*Function {
	if o == nil {
		return nil
	}
	return o.Functions
}

// coreType classifies a type of the SDK's generated client.
func coreType(e ast.Expr) TypeRef {
	switch t := e.(type) {
	case *ast.StarExpr:
		if id, ok := t.X.(*ast.Ident); ok {
			return TypeRef{Kind: KindCore, Name: id.Name}
		}
	case *ast.Ident:
		if t.Name == "error" {
			return TypeRef{Kind: KindError, Name: "error"}
		}
		return TypeRef{Kind: KindScalar, Name: t.Name}
	case *ast.ArrayType:
		elem := coreType(t.Elt)
		return TypeRef{Kind: KindList, Elem: &elem}
	}
	return TypeRef{Kind: KindScalar, Name: "unknown"}
}
