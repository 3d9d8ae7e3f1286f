package iampolicy_test

import (
	"fmt"

	"github.com/gangway-dev/gangway/ci/iampolicy"
)

// A role may tag EC2 resources only while creating them, and only with its
// own environment; the re-tag of an existing prod instance is refused.
func Example() {
	identity := iampolicy.MustParse(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "TagOnCreate",
	    "Effect": "Allow",
	    "Action": "ec2:CreateTags",
	    "Resource": "arn:aws:ec2:us-east-1:111122223333:*",
	    "Condition": {
	      "StringEquals": {
	        "ec2:CreateAction": ["RunInstances", "CreateVpc"],
	        "aws:RequestTag/Environment": "test"
	      }
	    }
	  }]
	}`)
	identity.Name = "gangway-test-deploy"
	policies := iampolicy.Policies{Identity: []*iampolicy.Policy{identity}}
	role := iampolicy.AWSPrincipal("arn:aws:iam::111122223333:role/gangway-test-deploy")

	launch := iampolicy.Evaluate(iampolicy.Request{
		Principal: role,
		Action:    "ec2:CreateTags",
		Resource:  "arn:aws:ec2:us-east-1:111122223333:instance/i-new",
		Context: map[string][]string{
			"ec2:CreateAction":           {"RunInstances"},
			"aws:RequestTag/Environment": {"test"},
			"aws:TagKeys":                {"Environment", "Name"},
		},
	}, policies)
	fmt.Println(launch)

	retag := iampolicy.Evaluate(iampolicy.Request{
		Principal: role,
		Action:    "ec2:CreateTags",
		Resource:  "arn:aws:ec2:us-east-1:111122223333:instance/i-prod",
		Context: map[string][]string{
			"aws:ResourceTag/Environment": {"prod"},
			"aws:RequestTag/Environment":  {"test"},
			"aws:TagKeys":                 {"Environment"},
		},
	}, policies)
	fmt.Println(retag)
	// Output:
	// Allow by gangway-test-deploy#TagOnCreate: allowed
	// ImplicitDeny: no identity policy allows ec2:CreateTags on arn:aws:ec2:us-east-1:111122223333:instance/i-prod
}
