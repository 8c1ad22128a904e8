#!/usr/bin/env python3
"""The CDK app: the stage that `cdk.json` context selects (`-c stage=NAME` overrides it).

Makes no AWS, network or git call; the layers it packages are built before, by
`python layers/build.py` (which `make synth` and `make deploy` run).
"""

from aws_cdk import App

from stacks.mailman_stack import build_stack

app = App()
build_stack(app)
app.synth()
