#!/usr/bin/env python3
"""The AWS side of the benchmark, in a moto server on loopback.

usage:
  moto_fixture.py setup ENDPOINT
      forgets everything moto holds, creates a target group in the default
      VPC, and prints {"ami": SOURCE_AMI, "target_group": ARN} as JSON.
  moto_fixture.py power-off ENDPOINT PROJECT
      until killed: stops every running build instance of PROJECT, as its
      user data would once the scripts ran (moto runs no user data).

boto3 comes with moto[server]. Credentials are dummies: nothing leaves the
loopback address.
"""
import json
import sys
import time
import urllib.request

import boto3

REGION = "us-east-1"


def client(endpoint, service):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def setup(endpoint):
    req = urllib.request.Request(endpoint + "/moto-api/reset", method="POST")
    urllib.request.urlopen(req).close()
    ec2 = client(endpoint, "ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    elb = client(endpoint, "elbv2")
    tg = elb.create_target_group(Name="bench-web", Protocol="HTTP", Port=80, VpcId=vpc,
                                 TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    images = ec2.describe_images(Owners=["amazon"])["Images"] or ec2.describe_images()["Images"]
    print(json.dumps({"ami": sorted(i["ImageId"] for i in images)[0], "target_group": tg}))


def power_off(endpoint, project):
    ec2 = client(endpoint, "ec2")
    filters = [
        {"Name": "tag:dev.bake.kind", "Values": ["ami-build"]},
        {"Name": "tag:dev.bake.project", "Values": [project]},
        {"Name": "instance-state-name", "Values": ["running"]},
    ]
    while True:
        ids = [i["InstanceId"]
               for r in ec2.describe_instances(Filters=filters)["Reservations"]
               for i in r["Instances"]]
        if ids:
            ec2.stop_instances(InstanceIds=ids)
        time.sleep(0.2)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "setup":
        setup(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "power-off":
        power_off(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
