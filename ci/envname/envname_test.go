package envname

import "testing"

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		input   string
		wantErr bool
	}{
		{name: "test", input: "test"},
		{name: "prod", input: "prod"},
		{name: "empty", input: "", wantErr: true},
		{name: "upper case", input: "PROD", wantErr: true},
		{name: "shell injection", input: "prod;rm -rf /", wantErr: true},
		{name: "path traversal", input: "../x", wantErr: true},
		{name: "padded", input: " test", wantErr: true},
		{name: "staging", input: "staging", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := Validate(tc.input); (err != nil) != tc.wantErr {
				t.Errorf("Validate(%q) = %v, want error %t", tc.input, err, tc.wantErr)
			}
		})
	}
}
