import protobuf from 'protobufjs';

/**
 * The subset of Kubernetes' generated.proto files (k8s.io/api core/v1 (Secret, ConfigMap, Namespace, Event), authentication/v1,
 * authorization/v1; apimachinery meta/v1 and runtime) that describes the kinds this server reads
 * as protobuf, with Kubernetes' field numbers. Maps are declared as the repeated key/value entries
 * they are on the wire, so that their keys are checked like a JSON body's before they become an
 * object's keys.
 */
const PROTO = `
syntax = "proto2";
package k8s;

message StringEntry { optional string key = 1; optional string value = 2; }
message BytesEntry { optional string key = 1; optional bytes value = 2; }
message ExtraEntry { optional string key = 1; optional ExtraValue value = 2; }
message ExtraValue { repeated string items = 1; }

message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}

message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message FieldsV1 { optional bytes Raw = 1; }
message OwnerReference {
  optional string apiVersion = 5;
  optional string kind = 1;
  optional string name = 3;
  optional string uid = 4;
  optional bool controller = 6;
  optional bool blockOwnerDeletion = 7;
}
message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}
message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10;
  repeated StringEntry labels = 11;
  repeated StringEntry annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}

message Secret {
  optional ObjectMeta metadata = 1;
  optional bool immutable = 5;
  repeated BytesEntry data = 2;
  repeated StringEntry stringData = 4;
  optional string type = 3;
}
message ConfigMap {
  optional ObjectMeta metadata = 1;
  optional bool immutable = 4;
  repeated StringEntry data = 2;
  repeated BytesEntry binaryData = 3;
}
message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceCondition {
  optional string type = 1;
  optional string status = 2;
  optional Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message NamespaceStatus { optional string phase = 1; repeated NamespaceCondition conditions = 2; }
message Namespace {
  optional ObjectMeta metadata = 1;
  optional NamespaceSpec spec = 2;
  optional NamespaceStatus status = 3;
}

message ObjectReference {
  optional string kind = 1;
  optional string namespace = 2;
  optional string name = 3;
  optional string uid = 4;
  optional string apiVersion = 5;
  optional string resourceVersion = 6;
  optional string fieldPath = 7;
}
message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
message EventSource { optional string component = 1; optional string host = 2; }
message EventSeries { optional int32 count = 1; optional MicroTime lastObservedTime = 2; }
message Event {
  optional ObjectMeta metadata = 1;
  optional ObjectReference involvedObject = 2;
  optional string reason = 3;
  optional string message = 4;
  optional EventSource source = 5;
  optional Time firstTimestamp = 6;
  optional Time lastTimestamp = 7;
  optional int32 count = 8;
  optional string type = 9;
  optional MicroTime eventTime = 10;
  optional EventSeries series = 11;
  optional string action = 12;
  optional ObjectReference related = 13;
  optional string reportingComponent = 14;
  optional string reportingInstance = 15;
}

message UserInfo {
  optional string username = 1;
  optional string uid = 2;
  repeated string groups = 3;
  repeated ExtraEntry extra = 4;
}
message SelfSubjectReviewStatus { optional UserInfo userInfo = 1; }
message SelfSubjectReview {
  optional ObjectMeta metadata = 1;
  optional SelfSubjectReviewStatus status = 2;
}

message SelectorRequirement {
  optional string key = 1;
  optional string operator = 2;
  repeated string values = 3;
}
message SelectorAttributes {
  optional string rawSelector = 1;
  repeated SelectorRequirement requirements = 2;
}
message ResourceAttributes {
  optional string namespace = 1;
  optional string verb = 2;
  optional string group = 3;
  optional string version = 4;
  optional string resource = 5;
  optional string subresource = 6;
  optional string name = 7;
  optional SelectorAttributes fieldSelector = 8;
  optional SelectorAttributes labelSelector = 9;
}
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message SelfSubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1;
  optional NonResourceAttributes nonResourceAttributes = 2;
}
message SubjectAccessReviewStatus {
  optional bool allowed = 1;
  optional bool denied = 4;
  optional string reason = 2;
  optional string evaluationError = 3;
}
message SelfSubjectAccessReview {
  optional ObjectMeta metadata = 1;
  optional SelfSubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}

message SelfSubjectRulesReviewSpec { optional string namespace = 1; }
message ResourceRule {
  repeated string verbs = 1;
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
}
message NonResourceRule { repeated string verbs = 1; repeated string nonResourceURLs = 2; }
message SubjectRulesReviewStatus {
  repeated ResourceRule resourceRules = 1;
  repeated NonResourceRule nonResourceRules = 2;
  optional bool incomplete = 3;
  optional string evaluationError = 4;
}
message SelfSubjectRulesReview {
  optional ObjectMeta metadata = 1;
  optional SelfSubjectRulesReviewSpec spec = 2;
  optional SubjectRulesReviewStatus status = 3;
}
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;

export function protoType(name: string): protobuf.Type {
  return root.lookupType(`k8s.${name}`);
}

/** Message types whose repeated fields are maps on the JSON side. */
export const MAP_ENTRY_TYPES: ReadonlySet<string> = new Set(['StringEntry', 'BytesEntry', 'ExtraEntry']);
