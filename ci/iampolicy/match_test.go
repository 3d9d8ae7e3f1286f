package iampolicy

import "testing"

func TestArnMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, pattern, value string
		want                 bool
	}{
		{"exact", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket", true},
		{"star matches everything", "*", "arn:aws:ec2:us-east-1:1:instance/i-1", true},
		{"star matches a non-ARN", "*", "*", true},
		{"case-sensitive", "arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", false},
		{"resource wildcard crosses slashes", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true},
		{"bucket pattern is not its objects", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", false},
		{"star inside a segment stays in it", "arn:aws:iam::1*3:role/x", "arn:aws:iam::1:2:3:role/x", false},
		{"star inside a segment", "arn:aws:iam::1*3:role/x", "arn:aws:iam::123:role/x", true},
		{"trailing star of a segment runs on", "arn:aws:ec2:*", "arn:aws:ec2:us-east-1:123:instance/i-1", true},
		{"star ending a middle segment runs on", "arn:aws:ec2:*:instance/*", "arn:aws:ec2:us-east-1:123:instance/i-1", true},
		{"account wildcard", "arn:aws:ec2:us-east-1:*:instance/*", "arn:aws:ec2:us-east-1:123:instance/i-1", true},
		{"question mark is one character", "arn:aws:iam::12?:root", "arn:aws:iam::123:root", true},
		{"question mark does not cross a colon", "arn:aws:iam:?123:root", "arn:aws:iam::123:root", false},
		{"colons in the resource part", "arn:aws:logs:r:1:log-group:/gangway/test/*", "arn:aws:logs:r:1:log-group:/gangway/test/app:log-stream:i-1", true},
		{"prefix is not enough", "arn:aws:ecr:r:1:repository/gangway-test", "arn:aws:ecr:r:1:repository/gangway-test2", false},
		{"regexp characters are literal", "arn:aws:secretsmanager:r:1:secret:rds!*", "arn:aws:secretsmanager:r:1:secret:rds!db-1", true},
		{"dot is literal", "arn:aws:rds:r:1:pg:default.postgres*", "arn:aws:rds:r:1:pg:defaultXpostgres16", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := arnMatch(tc.pattern, tc.value); got != tc.want {
				t.Errorf("arnMatch(%q, %q) = %v, want %v", tc.pattern, tc.value, got, tc.want)
			}
		})
	}
}

func TestActionAndGlobMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, pattern, value string
		fold, want           bool
	}{
		{"action ignores case", "EC2:createtags", "ec2:CreateTags", true, true},
		{"action wildcard", "ec2:Describe*", "ec2:DescribeInstances", true, true},
		{"action wildcard other service", "ec2:*", "ssm:SendCommand", true, false},
		{"everything", "*", "iam:PassRole", true, true},
		{"question mark", "s3:GetObjec?", "s3:GetObject", true, true},
		{"StringLike is case-sensitive", "repo:O/R:*", "REPO:O/R:x", false, false},
		{"StringLike star crosses colons", "repo:O/R:*", "repo:O/R:ref:refs/heads/x", false, true},
		{"StringLike empty star", "a*b", "ab", false, true},
		{"StringLike anchored", "refs/pull/*/merge", "refs/pull/1/merge/x", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := globMatch(tc.pattern, tc.value, tc.fold); got != tc.want {
				t.Errorf("globMatch(%q, %q, %v) = %v, want %v", tc.pattern, tc.value, tc.fold, got, tc.want)
			}
		})
	}
}

func TestRoleARN(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"arn:aws:sts::111122223333:assumed-role/gangway-test-deploy/run-1", "arn:aws:iam::111122223333:role/gangway-test-deploy"},
		{"arn:aws:iam::111122223333:role/x", "arn:aws:iam::111122223333:role/x"},
		{"not an arn", "not an arn"},
	}
	for _, tc := range cases {
		if got := roleARN(tc.in); got != tc.want {
			t.Errorf("roleARN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
