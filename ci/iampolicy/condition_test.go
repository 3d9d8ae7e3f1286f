package iampolicy_test

import (
	"fmt"
	"testing"

	"github.com/gangway-dev/gangway/ci/iampolicy"
)

// conditionPolicy allows s3:GetObject on everything under one condition.
func conditionPolicy(t *testing.T, operator, key string, values ...string) *iampolicy.Policy {
	t.Helper()
	quoted := ""
	for i, v := range values {
		if i > 0 {
			quoted += ","
		}
		quoted += fmt.Sprintf("%q", v)
	}
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Sid":"C","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{%q:{%q:[%s]}}}}`, operator, key, quoted)
	p, err := iampolicy.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	p.Name = "p"
	return p
}

func TestConditions(t *testing.T) {
	t.Parallel()
	const key = "aws:ResourceTag/Environment"
	none := map[string][]string{}
	ctx := func(vals ...string) map[string][]string { return map[string][]string{key: vals} }
	cases := []struct {
		name     string
		operator string
		values   []string
		context  map[string][]string
		want     bool
	}{
		// String operators.
		{"StringEquals match", "StringEquals", []string{"test"}, ctx("test"), true},
		{"StringEquals other value", "StringEquals", []string{"test"}, ctx("prod"), false},
		{"StringEquals is case-sensitive", "StringEquals", []string{"test"}, ctx("Test"), false},
		{"StringEquals values are OR-ed", "StringEquals", []string{"a", "test"}, ctx("test"), true},
		{"StringEquals missing key is false", "StringEquals", []string{"test"}, none, false},
		{"StringNotEquals other value", "StringNotEquals", []string{"test"}, ctx("prod"), true},
		{"StringNotEquals same value", "StringNotEquals", []string{"test"}, ctx("test"), false},
		{"StringNotEquals missing key is true", "StringNotEquals", []string{"test"}, none, true},
		{"StringEqualsIgnoreCase", "StringEqualsIgnoreCase", []string{"test"}, ctx("TeSt"), true},
		{"StringNotEqualsIgnoreCase", "StringNotEqualsIgnoreCase", []string{"test"}, ctx("TEST"), false},
		{"StringLike wildcard", "StringLike", []string{"te*"}, ctx("test"), true},
		{"StringLike no match", "StringLike", []string{"te?"}, ctx("test"), false},
		{"StringNotLike", "StringNotLike", []string{"pr*"}, ctx("test"), true},
		{"StringNotLike missing key is true", "StringNotLike", []string{"pr*"}, none, true},
		// IfExists.
		{"IfExists missing key is true", "StringEqualsIfExists", []string{"test"}, none, true},
		{"IfExists present key is evaluated", "StringEqualsIfExists", []string{"test"}, ctx("prod"), false},
		{"negated IfExists present key", "StringNotEqualsIfExists", []string{"test"}, ctx("test"), false},
		// Arn operators.
		{"ArnEquals behaves as ArnLike", "ArnEquals", []string{"arn:aws:iam::1:role/*"}, ctx("arn:aws:iam::1:role/x"), true},
		{"ArnLike no match", "ArnLike", []string{"arn:aws:iam::1:role/x"}, ctx("arn:aws:iam::2:role/x"), false},
		{"ArnNotEquals other ARN", "ArnNotEquals", []string{"arn:aws:iam::1:role/x"}, ctx("arn:aws:iam::1:role/y"), true},
		{"ArnNotEquals same ARN", "ArnNotEquals", []string{"arn:aws:iam::1:role/x"}, ctx("arn:aws:iam::1:role/x"), false},
		{"ArnNotLike missing key is true", "ArnNotLike", []string{"arn:*"}, none, true},
		// Numeric and Bool.
		{"NumericEquals", "NumericEquals", []string{"3600"}, ctx("3600.0"), true},
		{"NumericLessThan", "NumericLessThan", []string{"10"}, ctx("9"), true},
		{"NumericLessThan equal", "NumericLessThan", []string{"10"}, ctx("10"), false},
		{"NumericLessThanEquals", "NumericLessThanEquals", []string{"10"}, ctx("10"), true},
		{"NumericGreaterThan", "NumericGreaterThan", []string{"10"}, ctx("11"), true},
		{"NumericGreaterThanEquals", "NumericGreaterThanEquals", []string{"10"}, ctx("9"), false},
		{"NumericNotEquals", "NumericNotEquals", []string{"10"}, ctx("9"), true},
		{"Numeric not a number", "NumericEquals", []string{"10"}, ctx("ten"), false},
		{"Numeric missing key is false", "NumericLessThan", []string{"10"}, none, false},
		{"Bool true", "Bool", []string{"true"}, ctx("true"), true},
		{"Bool false", "Bool", []string{"false"}, ctx("true"), false},
		{"Bool missing key is false", "Bool", []string{"false"}, none, false},
		// Null.
		{"Null true on a missing key", "Null", []string{"true"}, none, true},
		{"Null true on a present key", "Null", []string{"true"}, ctx("x"), false},
		{"Null false on a present key", "Null", []string{"false"}, ctx("x"), true},
		{"Null false on a missing key", "Null", []string{"false"}, none, false},
		{"Null empty value list is missing", "Null", []string{"true"}, ctx(), true},
		// Multi-valued keys.
		{"single operator any value matches", "StringEquals", []string{"b"}, ctx("a", "b"), true},
		{"single negated operator: no value may match", "StringNotEquals", []string{"b"}, ctx("a", "b"), false},
		{"ForAnyValue one matches", "ForAnyValue:StringEquals", []string{"Environment"}, ctx("Name", "Environment"), true},
		{"ForAnyValue none matches", "ForAnyValue:StringEquals", []string{"Environment"}, ctx("Name", "Owner"), false},
		{"ForAnyValue missing key is false", "ForAnyValue:StringEquals", []string{"Environment"}, none, false},
		{"ForAnyValue IfExists missing key is true", "ForAnyValue:StringEqualsIfExists", []string{"Environment"}, none, true},
		{"ForAnyValue ignoring case", "ForAnyValue:StringEqualsIgnoreCase", []string{"Environment"}, ctx("environment"), true},
		{"ForAnyValue negated: some value outside", "ForAnyValue:StringNotEquals", []string{"Name"}, ctx("Name", "Owner"), true},
		{"ForAllValues all inside", "ForAllValues:StringEquals", []string{"Name", "Owner"}, ctx("Name", "Owner"), true},
		{"ForAllValues one outside", "ForAllValues:StringEquals", []string{"Name"}, ctx("Name", "Environment"), false},
		{"ForAllValues missing key is true", "ForAllValues:StringEquals", []string{"Name"}, none, true},
		{"ForAllValues empty set is true", "ForAllValues:StringEquals", []string{"Name"}, ctx(), true},
		{"ForAllValues negated: none inside", "ForAllValues:StringNotEquals", []string{"Environment"}, ctx("Name", "Owner"), true},
		{"ForAllValues negated: one inside", "ForAllValues:StringNotEquals", []string{"Environment"}, ctx("Name", "Environment"), false},
		{"ForAllValues negated missing key", "ForAllValues:StringNotEquals", []string{"alias/x"}, none, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := conditionPolicy(t, tc.operator, key, tc.values...)
			r := iampolicy.Evaluate(iampolicy.Request{
				Principal: iampolicy.AWSPrincipal("arn:aws:iam::111122223333:role/r"),
				Action:    "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: tc.context,
			}, iampolicy.Policies{Identity: []*iampolicy.Policy{p}})
			if got := r.Allowed(); got != tc.want {
				t.Errorf("%s %v with %v: allowed = %v, want %v (%s)", tc.operator, tc.values, tc.context, got, tc.want, r)
			}
		})
	}
}

func TestConditionKeysIgnoreCaseAndAreAnded(t *testing.T) {
	t.Parallel()
	p := iampolicy.MustParse(`{"Statement":{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*","Condition":{
		"StringEquals":{"ssm:resourceTag/Environment":"test","ssm:resourceTag/App":"gangway"},
		"Bool":{"aws:SecureTransport":"true"}}}}`)
	cases := []struct {
		name    string
		context map[string][]string
		want    bool
	}{
		{"all keys", map[string][]string{"SSM:ResourceTag/environment": {"test"}, "ssm:resourcetag/app": {"gangway"}, "aws:SecureTransport": {"true"}}, true},
		{"one key wrong", map[string][]string{"ssm:resourceTag/Environment": {"test"}, "ssm:resourceTag/App": {"other"}, "aws:SecureTransport": {"true"}}, false},
		{"one operator missing", map[string][]string{"ssm:resourceTag/Environment": {"test"}, "ssm:resourceTag/App": {"gangway"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := iampolicy.Evaluate(iampolicy.Request{Principal: iampolicy.AWSPrincipal("arn:aws:iam::1:role/r"), Action: "ssm:SendCommand", Resource: "x", Context: tc.context},
				iampolicy.Policies{Identity: []*iampolicy.Policy{p}})
			if got := r.Allowed(); got != tc.want {
				t.Errorf("allowed = %v, want %v (%s)", got, tc.want, r)
			}
		})
	}
}
