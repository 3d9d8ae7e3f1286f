package modcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildUsesTheOneRecipe reads the module's Build: it must build
// app/Containerfile with DockerBuild for the hosts' platform and set nothing
// of the image itself (user, entrypoint, ports, labels, environment all come
// from the Containerfile, which the local flow builds too).
func TestBuildUsesTheOneRecipe(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "build.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var build *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "Build" {
			build = fd
		}
	}
	if build == nil {
		t.Fatal("ci/build.go has no Build")
	}
	forbidden := map[string]bool{"From": true, "WithUser": true, "WithEntrypoint": true, "WithExposedPort": true,
		"WithLabel": true, "WithEnvVariable": true, "WithFile": true, "WithDefaultArgs": true, "WithWorkdir": true}
	sawDockerBuild := false
	ast.Inspect(build.Body, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if forbidden[sel.Sel.Name] {
			t.Errorf("Build calls %s at %s: the image's settings belong in app/Containerfile", sel.Sel.Name, fset.Position(sel.Pos()))
		}
		if sel.Sel.Name == "DockerBuild" {
			sawDockerBuild = true
		}
		return true
	})
	if !sawDockerBuild {
		t.Fatal("Build does not use DockerBuild")
	}
	var fields []string
	ast.Inspect(build.Body, func(n ast.Node) bool {
		if kv, ok := n.(*ast.KeyValueExpr); ok {
			fields = append(fields, exprText(kv.Key)+"="+exprText(kv.Value))
		}
		return true
	})
	got := strings.Join(fields, " ")
	for _, want := range []string{"Dockerfile=steps.Containerfile", "Platform=dagger.Platform(steps.HostPlatform)"} {
		if !strings.Contains(got, want) {
			t.Errorf("Build's DockerBuild options %q lack %s", got, want)
		}
	}
}

func exprText(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return exprText(t.X) + "." + t.Sel.Name
	case *ast.CallExpr:
		var args []string
		for _, a := range t.Args {
			args = append(args, exprText(a))
		}
		return exprText(t.Fun) + "(" + strings.Join(args, ",") + ")"
	}
	return "?"
}
