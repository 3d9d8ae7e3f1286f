package steps

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// archOf is the CPU architecture of an EC2 instance type: Graviton families
// carry a "g" after their generation (t4g, m7g, c7gn, r8g); the rest of
// the general-purpose families are x86_64.
func archOf(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	if regexp.MustCompile(`^[a-z]+[0-9]+g[a-z]*$`).MatchString(family) {
		return "arm64"
	}
	return "amd64"
}

// TestHostPlatformMatchesTheHosts holds the image platform to what the
// Terraform configuration launches: every instance type in the tfvars and
// the variable's default, and the Amazon Linux image's architecture.
func TestHostPlatformMatchesTheHosts(t *testing.T) {
	t.Parallel()
	want := strings.TrimPrefix(HostPlatform, "linux/")
	tfDir := filepath.Join("..", "..", "terraform")
	re := regexp.MustCompile(`(?m)instance_type\s*=\s*"([^"]+)"|default\s*=\s*"([a-z][a-z0-9]*\.[a-z0-9]+)"`)
	var types []string
	for _, f := range []string{"env/test.tfvars", "env/prod.tfvars", "variables.tf"} {
		data, err := os.ReadFile(filepath.Join(tfDir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			types = append(types, m[1]+m[2])
		}
	}
	if len(types) < 3 {
		t.Fatalf("found instance types %v; want one per tfvars file and the default", types)
	}
	for _, it := range types {
		if got := archOf(it); got != want {
			t.Errorf("instance type %s is %s, but the image is built for %s", it, got, HostPlatform)
		}
	}
	main, err := os.ReadFile(filepath.Join(tfDir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	amiArch := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[want]
	if !strings.Contains(string(main), "al2023-ami-kernel-default-"+amiArch) {
		t.Errorf("the host AMI parameter is not the %s image", amiArch)
	}
	for it, arch := range map[string]string{"t3.micro": "amd64", "m5.large": "amd64", "t4g.small": "arm64", "c7gn.large": "arm64", "m6gd.xlarge": "arm64"} {
		if got := archOf(it); got != arch {
			t.Errorf("archOf(%s) = %s, want %s", it, got, arch)
		}
	}
}
