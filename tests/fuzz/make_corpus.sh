#!/bin/bash
# Regenerates the seed corpora in tests/fuzz/corpus/<target>/ from the readable seeds below:
# valid inputs for every target, and for request_fuzzer one valid request per RPC. The
# binary files are committed; run this again after changing a seed or a proto.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/tests/fuzz/corpus
rm -rf "$out"
mkdir -p "$out"/{resource_name,page_token,filter,field_mask,event,request}

# encode TYPE: protobuf text format on stdin -> wire format on stdout.
encode() { protoc -I "$root/protos" -I /usr/include --encode="$1" \
  $(cd "$root/protos" && find . -name '*.proto' | sed 's|^\./||') ; }
# byte N: one raw byte.
byte() { printf "\\$(printf '%03o' "$1")"; }

# resource_name: selector byte (pattern index + 8 when "-" is allowed), then the name.
i=0
for name in organizations/acme organizations/acme/markets/cloud-databases \
    organizations/acme/markets/cloud-databases/segments/diy-power-users \
    organizations/acme/offerings/managed-postgresql \
    organizations/acme/offerings/managed-postgresql/decisions/hide-most-knobs \
    organizations/acme/functions/engineering \
    organizations/acme/offerings/managed-postgresql/commitments/engineering \
    organizations/acme/tasks/0b5c2a4e-8f1d-4c3a-9e7b-1a2b3c4d5e6f; do
  { byte $i; printf '%s' "$name"; } > "$out/resource_name/valid-$i"
  i=$((i + 1))
done
{ byte 9; printf 'organizations/acme/markets/-'; } > "$out/resource_name/wildcard"
{ byte 1; printf 'organizations/acme/markets/Cloud_DBs'; } > "$out/resource_name/invalid-id"

# page_token: FuzzedDataProvider input: parent and filter (each ended by "\" and one more
# byte), the raw token, then 23 bytes the fuzzer reads from the end (time, key, position,
# replacement). One seed carries a real token for its query that expires far in the future.
python3 - "$out/page_token" <<'PY'
import base64, hashlib, struct, sys
out = sys.argv[1]
def fdp_string(text):
    return text.replace(b"\\", b"\\\\") + b"\\|"
def token(fingerprint, last_key, expiry):
    short = lambda context, data: hashlib.sha256(context + data).digest()[:8]
    body = bytes([1]) + struct.pack(">q", last_key) + \
        short(b"throughline.page_token.query:", fingerprint) + struct.pack(">q", expiry)
    raw = body + short(b"throughline.page_token.checksum:", body)
    return base64.urlsafe_b64encode(raw).rstrip(b"=")
parent, query = b"organizations/acme", b"targeting = TARGETED"
fingerprint = b"%d:%s;%d:%s;" % (len(parent), parent, len(query), query)
tail = bytes(range(1, 24))
with open(out + "/real-token", "wb") as f:
    f.write(fdp_string(parent) + fdp_string(query) + token(fingerprint, 42, 1 << 41) + tail)
with open(out + "/garbage-token", "wb") as f:
    f.write(fdp_string(parent) + fdp_string(b"") + b"not a token" + tail)
PY

# filter: selector byte (the method's field list), then the filter.
{ byte 0; printf 'decision = COMPETE'; } > "$out/filter/markets"
{ byte 1; printf 'targeting = TARGETED AND market = "organizations/acme/markets/cloud-databases"'; } > "$out/filter/segments"
{ byte 2; printf 'target_segment = "organizations/acme/markets/m/segments/s"'; } > "$out/filter/offerings"
{ byte 3; printf 'state = ACCEPTED AND owning_function = engineering'; } > "$out/filter/decisions"
{ byte 4; printf 'owner = "erin@acme.example" AND state = OPEN'; } > "$out/filter/tasks"
{ byte 5; printf 'type = "throughline.segment.v1.segment_changed" AND subject = "organizations/acme"'; } > "$out/filter/watch"
{ byte 4; printf 'owner = "a \\"quoted\\" \\\\ value"'; } > "$out/filter/escapes"

# field_mask: the FieldMask (a FuzzedDataProvider string: "\" doubled, ended by "\" and one
# more byte), the resource, and last the byte that picks the resource type.
mask() {  # mask RESOURCE_INDEX MASK_TEXT TYPE RESOURCE_TEXT NAME
  printf '%s' "$2" | encode google.protobuf.FieldMask > "$out/field_mask/.mask"
  printf '%s' "$4" | encode "$3" > "$out/field_mask/.resource"
  python3 - "$out/field_mask" "$1" "$5" <<'PY'
import sys
directory, index, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mask = open(directory + "/.mask", "rb").read().replace(b"\\", b"\\\\") + b"\\|"
resource = open(directory + "/.resource", "rb").read()
open(directory + "/" + name, "wb").write(mask + resource + bytes([index]))
PY
  rm "$out/field_mask/.mask" "$out/field_mask/.resource"
}
mask 0 'paths: "display_name" paths: "rationale"' throughline.segment.v1.Market \
  'display_name: "Cloud databases" rationale: "grows"' market
mask 1 'paths: "needs"' throughline.segment.v1.Segment \
  'needs { dimension: "simplicity" importance: CRITICAL }' segment
mask 2 'paths: "*"' throughline.offering.v1.Offering \
  'display_name: "Managed PostgreSQL" knobs { key: "shared_buffers" exposure: HIDDEN }' offering
mask 3 'paths: "effects" paths: "state"' throughline.offering.v1.Decision \
  'effects { dimension: "configurability" effect: WEAKENS strength: 3 } state: ACCEPTED' decision
mask 4 'paths: "owner"' throughline.alignment.v1.Function 'owner: "erin@acme.example"' function
mask 5 'paths: "statement"' throughline.alignment.v1.Commitment 'statement: "knobs stay"' commitment

# event: WatchSegmentEventsResponse with a segment_changed or offering_retargeted event.
encode throughline.segment.v1.WatchSegmentEventsResponse > "$out/event/segment_changed" <<'TXT'
cursor: "ZXYyOjQy"
event {
  id: "6f1c1f1e-7c1a-4f53-9a57-0d4b0c1d2e3f" source: "//throughline.dev/segment/acme"
  spec_version: "1.0" type: "throughline.segment.v1.segment_changed"
  attributes { key: "organization" value { ce_string: "acme" } }
  attributes { key: "subject" value { ce_string: "organizations/acme/markets/m/segments/s" } }
  attributes { key: "revision" value { ce_string: "2" } }
  proto_data {
    [type.googleapis.com/throughline.segment.v1.SegmentEventData] {
      before { name: "organizations/acme/markets/m/segments/s" revision: 1
               needs { dimension: "configurability" importance: CRITICAL }
               needs { dimension: "tuning" importance: HIGH } }
      after { name: "organizations/acme/markets/m/segments/s" revision: 2
              needs { dimension: "configurability" importance: LOW }
              needs { dimension: "simplicity" importance: CRITICAL } }
      changed_paths: "needs"
    }
  }
}
TXT
encode throughline.segment.v1.WatchSegmentEventsResponse > "$out/event/offering_retargeted" <<'TXT'
cursor: "ZXYyOjQz"
event {
  id: "7f1c1f1e-7c1a-4f53-9a57-0d4b0c1d2e3f" source: "//throughline.dev/offering/acme"
  spec_version: "1.0" type: "throughline.offering.v1.offering_retargeted"
  attributes { key: "organization" value { ce_string: "acme" } }
  attributes { key: "revision" value { ce_string: "3" } }
  proto_data {
    [type.googleapis.com/throughline.offering.v1.OfferingEventData] {
      before { name: "organizations/acme/offerings/o" target_segment: "organizations/acme/markets/m/segments/diy" }
      after { name: "organizations/acme/offerings/o" target_segment: "organizations/acme/markets/m/segments/one-click"
              value_proposition: "one click" knobs { key: "shared_buffers" exposure: HIDDEN dimension: "configurability" } }
      changed_paths: "target_segment"
    }
  }
}
TXT

# request: RPC byte (index in request_fuzzer's table), caller byte (3: admin of acme), request.
rpc=0
request() {  # request TYPE TEXT
  { byte $rpc; byte 3; printf '%s' "$2" | encode "$1"; } > "$out/request/$(printf '%02d' $rpc)-${1##*.}"
  rpc=$((rpc + 1))
}
s=throughline.segment.v1 o=throughline.offering.v1 a=throughline.alignment.v1
org='"organizations/acme"' market='"organizations/acme/markets/cloud-databases"'
seg='"organizations/acme/markets/cloud-databases/segments/diy-power-users"'
off='"organizations/acme/offerings/managed-postgresql"'
dec='"organizations/acme/offerings/managed-postgresql/decisions/hide-most-knobs"'
fn='"organizations/acme/functions/engineering"'
com='"organizations/acme/offerings/managed-postgresql/commitments/engineering"'
task='"organizations/acme/tasks/0b5c2a4e-8f1d-4c3a-9e7b-1a2b3c4d5e6f"'
request $s.CreateMarketRequest "parent: $org market_id: \"cloud-databases\" market { display_name: \"Cloud databases\" decision: COMPETE rationale: \"grows\" evidence_notes: \"analyst report\" } request_id: \"r1\""
request $s.GetMarketRequest "name: $market"
request $s.ListMarketsRequest "parent: $org page_size: 10 filter: \"decision = COMPETE\""
request $s.UpdateMarketRequest "market { name: $market rationale: \"still grows\" } update_mask { paths: \"rationale\" }"
request $s.DeleteMarketRequest "name: $market etag: \"\\\"abc\\\"\" force: true"
request $s.CreateSegmentRequest "parent: $market segment_id: \"diy-power-users\" segment { display_name: \"DIY\" targeting: TARGETED priority: 1 needs { dimension: \"configurability\" importance: CRITICAL note: \"deep control\" } }"
request $s.GetSegmentRequest "name: $seg"
request $s.ListSegmentsRequest "parent: \"organizations/acme/markets/-\" filter: \"targeting = TARGETED\""
request $s.UpdateSegmentRequest "segment { name: $seg needs { dimension: \"simplicity\" importance: HIGH } } update_mask { paths: \"needs\" }"
request $s.DeleteSegmentRequest "name: $seg"
request $s.WatchSegmentEventsRequest "parent: $org after_cursor: \"ZXYyOjQy\" filter: \"type = \\\"throughline.segment.v1.segment_changed\\\"\""
request $o.CreateOfferingRequest "parent: $org offering_id: \"managed-postgresql\" offering { display_name: \"Managed PostgreSQL\" target_segment: $seg value_proposition: \"control\" knobs { key: \"shared_buffers\" exposure: EXPOSED dimension: \"configurability\" } operational_guarantees { name: \"uptime\" target: \"99.95%\" } }"
request $o.GetOfferingRequest "name: $off"
request $o.ListOfferingsRequest "parent: $org filter: \"target_segment = \\\"organizations/acme/markets/cloud-databases/segments/diy-power-users\\\"\""
request $o.UpdateOfferingRequest "offering { name: $off target_segment: $seg } update_mask { paths: \"target_segment\" }"
request $o.DeleteOfferingRequest "name: $off"
request $o.RetargetOfferingRequest "name: $off target_segment: $seg rationale: \"larger segment\" value_proposition: \"one click\""
request $o.CreateDecisionRequest "parent: $off decision_id: \"hide-most-knobs\" decision { title: \"Hide knobs\" why: \"launch sooner\" owning_function: \"engineering\" state: ACCEPTED effects { dimension: \"configurability\" effect: WEAKENS strength: 3 } alternatives { description: \"expose all\" } }"
request $o.GetDecisionRequest "name: $dec"
request $o.ListDecisionsRequest "parent: $off filter: \"state = ACCEPTED\""
request $o.UpdateDecisionRequest "decision { name: $dec state: SUPERSEDED superseded_by: \"organizations/acme/offerings/managed-postgresql/decisions/other\" } update_mask { paths: \"state\" paths: \"superseded_by\" }"
request $o.DeleteDecisionRequest "name: $dec"
request $o.EvaluateCoherenceRequest "name: $off"
request $o.WatchOfferingEventsRequest "parent: $org filter: \"subject = \\\"organizations/acme/offerings/managed-postgresql\\\"\""
request $a.CreateFunctionRequest "parent: $org function_id: \"finance\" function { display_name: \"Finance\" owner: \"fay@acme.example\" areas: PRICING_LOGIC }"
request $a.GetFunctionRequest "name: $fn"
request $a.ListFunctionsRequest "parent: $org page_size: 5"
request $a.UpdateFunctionRequest "function { name: $fn owner: \"erin@acme.example\" } update_mask { paths: \"owner\" }"
request $a.DeleteFunctionRequest "name: \"organizations/acme/functions/finance\""
request $a.CreateCommitmentRequest "parent: $off function_id: \"engineering\" commitment { statement: \"knobs stay\" local_metrics { name: \"knob coverage\" dimension: \"configurability\" } }"
request $a.GetCommitmentRequest "name: $com"
request $a.ListCommitmentsRequest "parent: $off"
request $a.UpdateCommitmentRequest "commitment { name: $com statement: \"fewer knobs\" } update_mask { paths: \"statement\" }"
request $a.ConfirmCommitmentRequest "name: $com"
request $a.GetTaskRequest "name: $task"
request $a.ListTasksRequest "parent: $org filter: \"function = \\\"organizations/acme/functions/engineering\\\" AND state = OPEN\""
request $a.AcknowledgeTaskRequest "name: $task"
request $a.ResolveTaskRequest "name: $task resolution { kind: REVISED changed_resources: $dec }"
request $a.WatchTasksRequest "parent: $org owner: \"erin@acme.example\""
request $a.GetAlignmentStatusRequest "offering: $off"
request $a.PreviewSegmentChangeRequest "segment { name: $seg targeting: DEPRIORITIZED } update_mask { paths: \"targeting\" }"
echo "wrote $(find "$out" -type f | wc -l) seeds under $out"
