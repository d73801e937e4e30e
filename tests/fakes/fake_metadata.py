#!/usr/bin/env python3
"""Fake cloud instance metadata service for tests/unit/test_detect.c.

Usage: fake_metadata.py MODE [--exit-with-stdin]

Listens on 127.0.0.1 on a free port (never any other address), prints the
port on the first line of stdout, then serves until killed. MODE picks what
it pretends to be:

  aws      EC2 IMDSv2 only: PUT /latest/api/token with
           X-aws-ec2-metadata-token-ttl-seconds (1..21600) returns a token;
           every GET without that exact token in X-aws-ec2-metadata-token
           gets 401, as IMDS does with HttpTokens=required.
  aws-v1   EC2 with IMDSv1 only: the token PUT gets 405, plain GETs answer.
  gcp      GCE metadata server: requires Metadata-Flavor: Google (403 without)
           and answers with that header.
  azure    Azure IMDS: requires Metadata: true (400 without).
  slow     accepts, then sleeps 3 s before answering anything.
  404      every request gets 404.
  garbage  every request gets 200 with bytes that are not what was asked for.
  huge     every request gets 200 with a 100 KiB body (and the GCP header),
           to check the client's size cap.

With --exit-with-stdin it exits as soon as stdin reaches EOF: the test holds
the write end of a pipe, so the fake dies with it even if the test crashes.

GET /__requests returns the log of requests seen so far, one per line:
"METHOD PATH token=<yes|no|bad> ttl=<value or ->", so tests can check the
token flow. Python 3 standard library only.
"""
import json
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
import fakehttp  # noqa: E402  (tests/fakes/fakehttp.py, beside this file: the shared server bootstrap)

AWS_TOKEN = "AQAEAFakeTokenForTests0123456789abcdefghijklmnopqrstuvw=="
AWS_VALUES = {
    "/latest/meta-data/instance-type": "m5.large",
    "/latest/meta-data/placement/region": "eu-west-1",
    "/latest/meta-data/placement/availability-zone": "eu-west-1a",
    "/latest/meta-data/instance-id": "i-0123456789abcdef0",
}
GCP_VALUES = {
    "/computeMetadata/v1/instance/machine-type":
        "projects/123456789012/machineTypes/e2-standard-2",
    "/computeMetadata/v1/instance/zone": "projects/123456789012/zones/europe-west1-b",
    "/computeMetadata/v1/instance/id": "4520031799277581759",
    "/computeMetadata/v1/instance/name": "carbonstat-test-vm",
}
AZURE_PATH = "/metadata/instance/compute"
AZURE_COMPUTE = {
    "azEnvironment": "AzurePublicCloud",
    "customData": "",
    "evictionPolicy": "",
    "isHostCompatibilityLayerVm": "false",
    "licenseType": "",
    "location": "westeurope",
    "name": "carbonstat-test-vm",
    "offer": "0001-com-ubuntu-server-jammy",
    "osProfile": {
        "adminUsername": "azureuser",
        "computerName": "carbonstat-test-vm",
        "disablePasswordAuthentication": "true",
    },
    "osType": "Linux",
    "placementGroupId": "",
    "plan": {"name": "", "product": "", "publisher": ""},
    "platformFaultDomain": "0",
    "platformUpdateDomain": "0",
    "priority": "",
    "provider": "Microsoft.Compute",
    "publicKeys": [],
    "publisher": "canonical",
    "resourceGroupName": "rg-carbonstat",
    "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                  "rg-carbonstat/providers/Microsoft.Compute/virtualMachines/carbonstat-test-vm",
    "securityProfile": {"secureBootEnabled": "true", "virtualTpmEnabled": "true"},
    "sku": "22_04-lts-gen2",
    "storageProfile": {"dataDisks": [], "imageReference": {
        "id": "", "offer": "0001-com-ubuntu-server-jammy", "publisher": "canonical",
        "sku": "22_04-lts-gen2", "version": "latest"}},
    "subscriptionId": "00000000-0000-0000-0000-000000000000",
    "tags": "",
    "tagsList": [],
    "userData": "",
    "version": "22.04.202401120",
    "vmId": "2f4ad0f6-4f7e-4e2b-9b1c-3d2e1f0a9b8c",
    "vmScaleSetName": "",
    "vmSize": "Standard_D2s_v3",
    "zone": "1",
}
GARBAGE = b"\x00\xff<html>not metadata</html>\r\nX-Injected: yes\r\n\x1b[31m"


class Handler(fakehttp.Handler):
    content_type = "text/plain"
    mode = "404"  # set by main()
    log = []
    lock = threading.Lock()

    def _record(self):
        tok = self.headers.get("X-aws-ec2-metadata-token")
        state = "no" if tok is None else ("yes" if tok == AWS_TOKEN else "bad")
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "-")
        with self.lock:
            self.log.append("%s %s token=%s ttl=%s" % (self.command, self.path, state, ttl))

    def _common(self):
        """Handles what every mode shares; True if the request was answered."""
        if self.path == "/__requests":
            with self.lock:
                self.send(200, "".join(line + "\n" for line in self.log))
            return True
        self._record()
        if self.mode == "slow":
            time.sleep(3)
            self.send(404, "slow\n")
            return True
        if self.mode == "404":
            self.send(404, "Not Found\n")
            return True
        if self.mode == "garbage":
            self.send(200, GARBAGE, "application/octet-stream")
            return True
        if self.mode == "huge":
            self.send(200, b"m" * (100 * 1024), extra={"Metadata-Flavor": "Google"})
            return True
        return False

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        if length:
            self.rfile.read(length)
        if self._common():
            return
        if self.path != "/latest/api/token" or not self.mode.startswith("aws"):
            self.send(404, "Not Found\n")
            return
        if self.mode == "aws-v1":
            self.send(405, "Method Not Allowed\n")
            return
        if "X-Forwarded-For" in self.headers:
            self.send(403, "Forbidden\n")
            return
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= 21600:
            self.send(400, "Bad Request\n")
            return
        self.send(200, AWS_TOKEN, extra={"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})

    def do_GET(self):
        if self._common():
            return
        if self.mode == "aws":
            if self.headers.get("X-aws-ec2-metadata-token") != AWS_TOKEN:
                self.send(401, "Unauthorized\n")
                return
            self._aws_get()
        elif self.mode == "aws-v1":
            self._aws_get()
        elif self.mode == "gcp":
            if self.headers.get("Metadata-Flavor") != "Google":
                self.send(403, "Missing Metadata-Flavor:Google header.\n")
                return
            value = GCP_VALUES.get(self.path)
            if value is None:
                self.send(404, "Not Found\n", extra={"Metadata-Flavor": "Google"})
            else:
                self.send(200, value, "application/text", {"Metadata-Flavor": "Google"})
        elif self.mode == "azure":
            if self.headers.get("Metadata") != "true":
                self.send(400, json.dumps({"error": "Bad request. Required metadata header "
                                            "not specified"}), "application/json")
                return
            path, _, query = self.path.partition("?")
            if path != AZURE_PATH or "api-version=" not in query:
                self.send(404, "Not Found\n")
                return
            self.send(200, json.dumps(AZURE_COMPUTE), "application/json; charset=utf-8")
        else:
            self.send(404, "Not Found\n")

    def _aws_get(self):
        value = AWS_VALUES.get(self.path)
        if value is None:
            self.send(404, "Not Found\n")
        else:
            self.send(200, value)


def main():
    modes = ("aws", "aws-v1", "gcp", "azure", "slow", "404", "garbage", "huge")
    args = fakehttp.mode_args("fake_metadata.py", modes)
    if args is None:
        return 2
    Handler.mode = args[0]
    Handler.server_version = "EC2ws" if Handler.mode.startswith("aws") else "Metadata Server for VM"
    return fakehttp.serve(Handler, args[1])


if __name__ == "__main__":
    sys.exit(main())
