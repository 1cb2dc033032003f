/**
 * Wire definitions for core/v1: the kinds kubectl's generators create (Namespace, ConfigMap,
 * Secret, ServiceAccount, Service, ResourceQuota, Pod) and the whole PodSpec tree that
 * Deployments, Jobs and CronJobs embed. Conventions as in ./apimachinery.ts.
 */
import { INTSTR, META, RESOURCE } from "./apimachinery.js";

export const CORE = "k8s.io.api.core.v1";

const meta = `.${META}`;
const quantity = `.${RESOURCE}.Quantity`;
const intOrString = `.${INTSTR}.IntOrString`;

/** Simple kinds and shared references. */
const objects = `
message Namespace {
  optional ${meta}.ObjectMeta metadata = 1;
  optional NamespaceSpec spec = 2;
  optional NamespaceStatus status = 3;
}

message NamespaceSpec {
  repeated string finalizers = 1;
}

message NamespaceStatus {
  optional string phase = 1;
  repeated NamespaceCondition conditions = 2;
}

message NamespaceCondition {
  optional string type = 1 [(keep) = true];
  optional string status = 2 [(keep) = true];
  optional ${meta}.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message ConfigMap {
  optional ${meta}.ObjectMeta metadata = 1;
  map<string, string> data = 2;
  map<string, bytes> binaryData = 3;
  optional bool immutable = 4 [(keep) = true];
}

message Secret {
  optional ${meta}.ObjectMeta metadata = 1;
  map<string, bytes> data = 2;
  optional string type = 3;
  map<string, string> stringData = 4;
  optional bool immutable = 5 [(keep) = true];
}

message ServiceAccount {
  optional ${meta}.ObjectMeta metadata = 1;
  repeated ObjectReference secrets = 2;
  repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4 [(keep) = true];
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

message LocalObjectReference {
  optional string name = 1;
}

message TypedLocalObjectReference {
  optional string apiGroup = 1 [(keep) = true];
  optional string kind = 2 [(keep) = true];
  optional string name = 3 [(keep) = true];
}

message TypedObjectReference {
  optional string apiGroup = 1 [(keep) = true];
  optional string kind = 2 [(keep) = true];
  optional string name = 3 [(keep) = true];
  optional string namespace = 4 [(keep) = true];
}

message ResourceQuota {
  optional ${meta}.ObjectMeta metadata = 1;
  optional ResourceQuotaSpec spec = 2;
  optional ResourceQuotaStatus status = 3;
}

message ResourceQuotaSpec {
  map<string, ${quantity}> hard = 1;
  repeated string scopes = 2;
  optional ScopeSelector scopeSelector = 3;
}

message ResourceQuotaStatus {
  map<string, ${quantity}> hard = 1;
  map<string, ${quantity}> used = 2;
}

message ScopeSelector {
  repeated ScopedResourceSelectorRequirement matchExpressions = 1;
}

message ScopedResourceSelectorRequirement {
  optional string scopeName = 1 [(keep) = true];
  optional string operator = 2 [(keep) = true];
  repeated string values = 3;
}
`;

const service = `
message Service {
  optional ${meta}.ObjectMeta metadata = 1;
  optional ServiceSpec spec = 2;
  optional ServiceStatus status = 3;
}

message ServiceSpec {
  repeated ServicePort ports = 1;
  map<string, string> selector = 2;
  optional string clusterIP = 3;
  optional string type = 4;
  repeated string externalIPs = 5;
  optional string sessionAffinity = 7;
  optional string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9;
  optional string externalName = 10;
  optional string externalTrafficPolicy = 11;
  optional int32 healthCheckNodePort = 12;
  optional bool publishNotReadyAddresses = 13;
  optional SessionAffinityConfig sessionAffinityConfig = 14;
  optional string ipFamilyPolicy = 17 [(keep) = true];
  repeated string clusterIPs = 18;
  repeated string ipFamilies = 19;
  optional bool allocateLoadBalancerNodePorts = 20 [(keep) = true];
  optional string loadBalancerClass = 21 [(keep) = true];
  optional string internalTrafficPolicy = 22 [(keep) = true];
  optional string trafficDistribution = 23 [(keep) = true];
}

message ServicePort {
  optional string name = 1;
  optional string protocol = 2;
  optional int32 port = 3 [(keep) = true];
  optional ${intOrString} targetPort = 4;
  optional int32 nodePort = 5;
  optional string appProtocol = 6 [(keep) = true];
}

message SessionAffinityConfig {
  optional ClientIPConfig clientIP = 1;
}

message ClientIPConfig {
  optional int32 timeoutSeconds = 1 [(keep) = true];
}

message ServiceStatus {
  optional LoadBalancerStatus loadBalancer = 1;
  repeated ${meta}.Condition conditions = 2;
}

message LoadBalancerStatus {
  repeated LoadBalancerIngress ingress = 1;
}

message LoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  optional string ipMode = 3 [(keep) = true];
  repeated PortStatus ports = 4;
}

message PortStatus {
  optional int32 port = 1 [(keep) = true];
  optional string protocol = 2 [(keep) = true];
  optional string error = 3 [(keep) = true];
}
`;

const pod = `
message Pod {
  optional ${meta}.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
  optional PodStatus status = 3;
}

message PodTemplateSpec {
  optional ${meta}.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
}

message PodSpec {
  repeated Volume volumes = 1;
  repeated Container containers = 2;
  optional string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4 [(keep) = true];
  optional int64 activeDeadlineSeconds = 5 [(keep) = true];
  optional string dnsPolicy = 6;
  map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8;
  optional string serviceAccount = 9;
  optional string nodeName = 10;
  optional bool hostNetwork = 11;
  optional bool hostPID = 12;
  optional bool hostIPC = 13;
  optional PodSecurityContext securityContext = 14;
  repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16;
  optional string subdomain = 17;
  optional Affinity affinity = 18;
  optional string schedulerName = 19;
  repeated Container initContainers = 20;
  optional bool automountServiceAccountToken = 21 [(keep) = true];
  repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23;
  optional string priorityClassName = 24;
  optional int32 priority = 25 [(keep) = true];
  optional PodDNSConfig dnsConfig = 26;
  optional bool shareProcessNamespace = 27 [(keep) = true];
  repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29 [(keep) = true];
  optional bool enableServiceLinks = 30 [(keep) = true];
  optional string preemptionPolicy = 31 [(keep) = true];
  map<string, ${quantity}> overhead = 32;
  repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  repeated EphemeralContainer ephemeralContainers = 34;
  optional bool setHostnameAsFQDN = 35 [(keep) = true];
  optional PodOS os = 36;
  optional bool hostUsers = 37 [(keep) = true];
  repeated PodSchedulingGate schedulingGates = 38;
  repeated PodResourceClaim resourceClaims = 39;
  optional ResourceRequirements resources = 40;
}

message PodSecurityContext {
  optional SELinuxOptions seLinuxOptions = 1;
  optional int64 runAsUser = 2 [(keep) = true];
  optional bool runAsNonRoot = 3 [(keep) = true];
  repeated int64 supplementalGroups = 4;
  optional int64 fsGroup = 5 [(keep) = true];
  optional int64 runAsGroup = 6 [(keep) = true];
  repeated Sysctl sysctls = 7;
  optional WindowsSecurityContextOptions windowsOptions = 8;
  optional string fsGroupChangePolicy = 9 [(keep) = true];
  optional SeccompProfile seccompProfile = 10;
  optional AppArmorProfile appArmorProfile = 11;
  optional string supplementalGroupsPolicy = 12 [(keep) = true];
  optional string seLinuxChangePolicy = 13 [(keep) = true];
}

message Sysctl {
  optional string name = 1 [(keep) = true];
  optional string value = 2 [(keep) = true];
}

message Toleration {
  optional string key = 1;
  optional string operator = 2;
  optional string value = 3;
  optional string effect = 4;
  optional int64 tolerationSeconds = 5 [(keep) = true];
}

message HostAlias {
  optional string ip = 1 [(keep) = true];
  repeated string hostnames = 2;
}

message PodDNSConfig {
  repeated string nameservers = 1;
  repeated string searches = 2;
  repeated PodDNSConfigOption options = 3;
}

message PodDNSConfigOption {
  optional string name = 1;
  optional string value = 2 [(keep) = true];
}

message PodReadinessGate {
  optional string conditionType = 1 [(keep) = true];
}

message TopologySpreadConstraint {
  optional int32 maxSkew = 1 [(keep) = true];
  optional string topologyKey = 2 [(keep) = true];
  optional string whenUnsatisfiable = 3 [(keep) = true];
  optional ${meta}.LabelSelector labelSelector = 4;
  optional int32 minDomains = 5 [(keep) = true];
  optional string nodeAffinityPolicy = 6 [(keep) = true];
  optional string nodeTaintsPolicy = 7 [(keep) = true];
  repeated string matchLabelKeys = 8;
}

message PodOS {
  optional string name = 1 [(keep) = true];
}

message PodSchedulingGate {
  optional string name = 1 [(keep) = true];
}

message PodResourceClaim {
  optional string name = 1 [(keep) = true];
  optional string resourceClaimName = 3 [(keep) = true];
  optional string resourceClaimTemplateName = 4 [(keep) = true];
}

message Affinity {
  optional NodeAffinity nodeAffinity = 1;
  optional PodAffinity podAffinity = 2;
  optional PodAntiAffinity podAntiAffinity = 3;
}

message NodeAffinity {
  optional NodeSelector requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated PreferredSchedulingTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message NodeSelector {
  repeated NodeSelectorTerm nodeSelectorTerms = 1;
}

message NodeSelectorTerm {
  repeated NodeSelectorRequirement matchExpressions = 1;
  repeated NodeSelectorRequirement matchFields = 2;
}

message NodeSelectorRequirement {
  optional string key = 1 [(keep) = true];
  optional string operator = 2 [(keep) = true];
  repeated string values = 3;
}

message PreferredSchedulingTerm {
  optional int32 weight = 1 [(keep) = true];
  optional NodeSelectorTerm preference = 2;
}

message PodAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message PodAntiAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message PodAffinityTerm {
  optional ${meta}.LabelSelector labelSelector = 1;
  repeated string namespaces = 2;
  optional string topologyKey = 3 [(keep) = true];
  optional ${meta}.LabelSelector namespaceSelector = 4;
  repeated string matchLabelKeys = 5;
  repeated string mismatchLabelKeys = 6;
}

message WeightedPodAffinityTerm {
  optional int32 weight = 1 [(keep) = true];
  optional PodAffinityTerm podAffinityTerm = 2;
}
`;

const podStatus = `
message PodStatus {
  optional string phase = 1;
  repeated PodCondition conditions = 2;
  optional string message = 3;
  optional string reason = 4;
  optional string hostIP = 5;
  optional string podIP = 6;
  optional ${meta}.Time startTime = 7;
  repeated ContainerStatus containerStatuses = 8;
  optional string qosClass = 9;
  repeated ContainerStatus initContainerStatuses = 10;
  optional string nominatedNodeName = 11;
  repeated PodIP podIPs = 12;
  repeated ContainerStatus ephemeralContainerStatuses = 13;
  optional string resize = 14;
  repeated PodResourceClaimStatus resourceClaimStatuses = 15;
  repeated HostIP hostIPs = 16;
}

message PodCondition {
  optional string type = 1 [(keep) = true];
  optional string status = 2 [(keep) = true];
  optional ${meta}.Time lastProbeTime = 3;
  optional ${meta}.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message PodIP {
  optional string ip = 1 [(keep) = true];
}

message HostIP {
  optional string ip = 1 [(keep) = true];
}

message PodResourceClaimStatus {
  optional string name = 1 [(keep) = true];
  optional string resourceClaimName = 2 [(keep) = true];
}

message ContainerStatus {
  optional string name = 1 [(keep) = true];
  optional ContainerState state = 2;
  optional ContainerState lastState = 3;
  optional bool ready = 4 [(keep) = true];
  optional int32 restartCount = 5 [(keep) = true];
  optional string image = 6 [(keep) = true];
  optional string imageID = 7 [(keep) = true];
  optional string containerID = 8;
  optional bool started = 9 [(keep) = true];
  map<string, ${quantity}> allocatedResources = 10;
  optional ResourceRequirements resources = 11;
  repeated VolumeMountStatus volumeMounts = 12;
  optional ContainerUser user = 13;
  repeated ResourceStatus allocatedResourcesStatus = 14;
}

message ContainerState {
  optional ContainerStateWaiting waiting = 1;
  optional ContainerStateRunning running = 2;
  optional ContainerStateTerminated terminated = 3;
}

message ContainerStateWaiting {
  optional string reason = 1;
  optional string message = 2;
}

message ContainerStateRunning {
  optional ${meta}.Time startedAt = 1;
}

message ContainerStateTerminated {
  optional int32 exitCode = 1 [(keep) = true];
  optional int32 signal = 2;
  optional string reason = 3;
  optional string message = 4;
  optional ${meta}.Time startedAt = 5;
  optional ${meta}.Time finishedAt = 6;
  optional string containerID = 7;
}

message VolumeMountStatus {
  optional string name = 1 [(keep) = true];
  optional string mountPath = 2 [(keep) = true];
  optional bool readOnly = 3;
  optional string recursiveReadOnly = 4 [(keep) = true];
}

message ContainerUser {
  optional LinuxContainerUser linux = 1;
}

message LinuxContainerUser {
  optional int64 uid = 1 [(keep) = true];
  optional int64 gid = 2 [(keep) = true];
  repeated int64 supplementalGroups = 3;
}

message ResourceStatus {
  optional string name = 1 [(keep) = true];
  repeated ResourceHealth resources = 2;
}

message ResourceHealth {
  optional string resourceID = 1 [(keep) = true];
  optional string health = 2;
}
`;

/** Container and EphemeralContainerCommon share their field list. */
const containerFields = `
  optional string name = 1 [(keep) = true];
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated VolumeMount volumeMounts = 9;
  optional Probe livenessProbe = 10;
  optional Probe readinessProbe = 11;
  optional Lifecycle lifecycle = 12;
  optional string terminationMessagePath = 13;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15;
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
  repeated EnvFromSource envFrom = 19;
  optional string terminationMessagePolicy = 20;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe startupProbe = 22;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24 [(keep) = true];
`;

const container = `
message Container {${containerFields}}

message EphemeralContainer {
  optional EphemeralContainerCommon ephemeralContainerCommon = 1 [(inline) = true];
  optional string targetContainerName = 2;
}

message EphemeralContainerCommon {${containerFields}}

message ContainerPort {
  optional string name = 1;
  optional int32 hostPort = 2;
  optional int32 containerPort = 3 [(keep) = true];
  optional string protocol = 4;
  optional string hostIP = 5;
}

message EnvVar {
  optional string name = 1 [(keep) = true];
  optional string value = 2;
  optional EnvVarSource valueFrom = 3;
}

message EnvVarSource {
  optional ObjectFieldSelector fieldRef = 1;
  optional ResourceFieldSelector resourceFieldRef = 2;
  optional ConfigMapKeySelector configMapKeyRef = 3;
  optional SecretKeySelector secretKeyRef = 4;
}

message ObjectFieldSelector {
  optional string apiVersion = 1;
  optional string fieldPath = 2 [(keep) = true];
}

message ResourceFieldSelector {
  optional string containerName = 1;
  optional string resource = 2 [(keep) = true];
  optional ${quantity} divisor = 3;
}

message ConfigMapKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional string key = 2 [(keep) = true];
  optional bool optional = 3 [(keep) = true];
}

message SecretKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional string key = 2 [(keep) = true];
  optional bool optional = 3 [(keep) = true];
}

message EnvFromSource {
  optional string prefix = 1;
  optional ConfigMapEnvSource configMapRef = 2;
  optional SecretEnvSource secretRef = 3;
}

message ConfigMapEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional bool optional = 2 [(keep) = true];
}

message SecretEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional bool optional = 2 [(keep) = true];
}

message ResourceRequirements {
  map<string, ${quantity}> limits = 1;
  map<string, ${quantity}> requests = 2;
  repeated ResourceClaim claims = 3;
}

message ResourceClaim {
  optional string name = 1 [(keep) = true];
  optional string request = 2;
}

message ContainerResizePolicy {
  optional string resourceName = 1 [(keep) = true];
  optional string restartPolicy = 2 [(keep) = true];
}

message VolumeMount {
  optional string name = 1 [(keep) = true];
  optional bool readOnly = 2;
  optional string mountPath = 3 [(keep) = true];
  optional string subPath = 4;
  optional string mountPropagation = 5 [(keep) = true];
  optional string subPathExpr = 6;
  optional string recursiveReadOnly = 7 [(keep) = true];
}

message VolumeDevice {
  optional string name = 1 [(keep) = true];
  optional string devicePath = 2 [(keep) = true];
}

message Probe {
  optional ProbeHandler handler = 1 [(inline) = true];
  optional int32 initialDelaySeconds = 2;
  optional int32 timeoutSeconds = 3;
  optional int32 periodSeconds = 4;
  optional int32 successThreshold = 5;
  optional int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7 [(keep) = true];
}

message ProbeHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional GRPCAction grpc = 4;
}

message ExecAction {
  repeated string command = 1;
}

message HTTPGetAction {
  optional string path = 1;
  optional ${intOrString} port = 2 [(keep) = true];
  optional string host = 3;
  optional string scheme = 4;
  repeated HTTPHeader httpHeaders = 5;
}

message HTTPHeader {
  optional string name = 1 [(keep) = true];
  optional string value = 2 [(keep) = true];
}

message TCPSocketAction {
  optional ${intOrString} port = 1 [(keep) = true];
  optional string host = 2;
}

message GRPCAction {
  optional int32 port = 1 [(keep) = true];
  optional string service = 2 [(keep) = true];
}

message Lifecycle {
  optional LifecycleHandler postStart = 1;
  optional LifecycleHandler preStop = 2;
}

message LifecycleHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional SleepAction sleep = 4;
}

message SleepAction {
  optional int64 seconds = 1 [(keep) = true];
}

message SecurityContext {
  optional Capabilities capabilities = 1;
  optional bool privileged = 2 [(keep) = true];
  optional SELinuxOptions seLinuxOptions = 3;
  optional int64 runAsUser = 4 [(keep) = true];
  optional bool runAsNonRoot = 5 [(keep) = true];
  optional bool readOnlyRootFilesystem = 6 [(keep) = true];
  optional bool allowPrivilegeEscalation = 7 [(keep) = true];
  optional int64 runAsGroup = 8 [(keep) = true];
  optional string procMount = 9 [(keep) = true];
  optional WindowsSecurityContextOptions windowsOptions = 10;
  optional SeccompProfile seccompProfile = 11;
  optional AppArmorProfile appArmorProfile = 12;
}

message Capabilities {
  repeated string add = 1;
  repeated string drop = 2;
}

message SELinuxOptions {
  optional string user = 1;
  optional string role = 2;
  optional string type = 3;
  optional string level = 4;
}

message WindowsSecurityContextOptions {
  optional string gmsaCredentialSpecName = 1 [(keep) = true];
  optional string gmsaCredentialSpec = 2 [(keep) = true];
  optional string runAsUserName = 3 [(keep) = true];
  optional bool hostProcess = 4 [(keep) = true];
}

message SeccompProfile {
  optional string type = 1 [(keep) = true];
  optional string localhostProfile = 2 [(keep) = true];
}

message AppArmorProfile {
  optional string type = 1 [(keep) = true];
  optional string localhostProfile = 2 [(keep) = true];
}
`;

const volumes = `
message Volume {
  optional string name = 1 [(keep) = true];
  optional VolumeSource volumeSource = 2 [(inline) = true];
}

message VolumeSource {
  optional HostPathVolumeSource hostPath = 1;
  optional EmptyDirVolumeSource emptyDir = 2;
  optional GCEPersistentDiskVolumeSource gcePersistentDisk = 3;
  optional AWSElasticBlockStoreVolumeSource awsElasticBlockStore = 4;
  optional GitRepoVolumeSource gitRepo = 5;
  optional SecretVolumeSource secret = 6;
  optional NFSVolumeSource nfs = 7;
  optional ISCSIVolumeSource iscsi = 8;
  optional GlusterfsVolumeSource glusterfs = 9;
  optional PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10;
  optional RBDVolumeSource rbd = 11;
  optional FlexVolumeSource flexVolume = 12;
  optional CinderVolumeSource cinder = 13;
  optional CephFSVolumeSource cephfs = 14;
  optional FlockerVolumeSource flocker = 15;
  optional DownwardAPIVolumeSource downwardAPI = 16;
  optional FCVolumeSource fc = 17;
  optional AzureFileVolumeSource azureFile = 18;
  optional ConfigMapVolumeSource configMap = 19;
  optional VsphereVirtualDiskVolumeSource vsphereVolume = 20;
  optional QuobyteVolumeSource quobyte = 21;
  optional AzureDiskVolumeSource azureDisk = 22;
  optional PhotonPersistentDiskVolumeSource photonPersistentDisk = 23;
  optional PortworxVolumeSource portworxVolume = 24;
  optional ScaleIOVolumeSource scaleIO = 25;
  optional ProjectedVolumeSource projected = 26;
  optional StorageOSVolumeSource storageos = 27;
  optional CSIVolumeSource csi = 28;
  optional EphemeralVolumeSource ephemeral = 29;
  optional ImageVolumeSource image = 30;
}

message HostPathVolumeSource {
  optional string path = 1 [(keep) = true];
  optional string type = 2 [(keep) = true];
}

message EmptyDirVolumeSource {
  optional string medium = 1;
  optional ${quantity} sizeLimit = 2;
}

message GCEPersistentDiskVolumeSource {
  optional string pdName = 1 [(keep) = true];
  optional string fsType = 2;
  optional int32 partition = 3;
  optional bool readOnly = 4;
}

message AWSElasticBlockStoreVolumeSource {
  optional string volumeID = 1 [(keep) = true];
  optional string fsType = 2;
  optional int32 partition = 3;
  optional bool readOnly = 4;
}

message GitRepoVolumeSource {
  optional string repository = 1 [(keep) = true];
  optional string revision = 2;
  optional string directory = 3;
}

message SecretVolumeSource {
  optional string secretName = 1;
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(keep) = true];
  optional bool optional = 4 [(keep) = true];
}

message NFSVolumeSource {
  optional string server = 1 [(keep) = true];
  optional string path = 2 [(keep) = true];
  optional bool readOnly = 3;
}

message ISCSIVolumeSource {
  optional string targetPortal = 1 [(keep) = true];
  optional string iqn = 2 [(keep) = true];
  optional int32 lun = 3 [(keep) = true];
  optional string iscsiInterface = 4;
  optional string fsType = 5;
  optional bool readOnly = 6;
  repeated string portals = 7;
  optional bool chapAuthDiscovery = 8;
  optional LocalObjectReference secretRef = 10;
  optional bool chapAuthSession = 11;
  optional string initiatorName = 12 [(keep) = true];
}

message GlusterfsVolumeSource {
  optional string endpoints = 1 [(keep) = true];
  optional string path = 2 [(keep) = true];
  optional bool readOnly = 3;
}

message PersistentVolumeClaimVolumeSource {
  optional string claimName = 1 [(keep) = true];
  optional bool readOnly = 2;
}

message RBDVolumeSource {
  repeated string monitors = 1;
  optional string image = 2 [(keep) = true];
  optional string fsType = 3;
  optional string pool = 4;
  optional string user = 5;
  optional string keyring = 6;
  optional LocalObjectReference secretRef = 7;
  optional bool readOnly = 8;
}

message FlexVolumeSource {
  optional string driver = 1 [(keep) = true];
  optional string fsType = 2;
  optional LocalObjectReference secretRef = 3;
  optional bool readOnly = 4;
  map<string, string> options = 5;
}

message CinderVolumeSource {
  optional string volumeID = 1 [(keep) = true];
  optional string fsType = 2;
  optional bool readOnly = 3;
  optional LocalObjectReference secretRef = 4;
}

message CephFSVolumeSource {
  repeated string monitors = 1;
  optional string path = 2;
  optional string user = 3;
  optional string secretFile = 4;
  optional LocalObjectReference secretRef = 5;
  optional bool readOnly = 6;
}

message FlockerVolumeSource {
  optional string datasetName = 1;
  optional string datasetUUID = 2;
}

message DownwardAPIVolumeSource {
  repeated DownwardAPIVolumeFile items = 1;
  optional int32 defaultMode = 2 [(keep) = true];
}

message DownwardAPIVolumeFile {
  optional string path = 1 [(keep) = true];
  optional ObjectFieldSelector fieldRef = 2;
  optional ResourceFieldSelector resourceFieldRef = 3;
  optional int32 mode = 4 [(keep) = true];
}

message FCVolumeSource {
  repeated string targetWWNs = 1;
  optional int32 lun = 2 [(keep) = true];
  optional string fsType = 3;
  optional bool readOnly = 4;
  repeated string wwids = 5;
}

message AzureFileVolumeSource {
  optional string secretName = 1 [(keep) = true];
  optional string shareName = 2 [(keep) = true];
  optional bool readOnly = 3;
}

message ConfigMapVolumeSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(keep) = true];
  optional bool optional = 4 [(keep) = true];
}

message VsphereVirtualDiskVolumeSource {
  optional string volumePath = 1 [(keep) = true];
  optional string fsType = 2;
  optional string storagePolicyName = 3;
  optional string storagePolicyID = 4;
}

message QuobyteVolumeSource {
  optional string registry = 1 [(keep) = true];
  optional string volume = 2 [(keep) = true];
  optional bool readOnly = 3;
  optional string user = 4;
  optional string group = 5;
  optional string tenant = 6;
}

message AzureDiskVolumeSource {
  optional string diskName = 1 [(keep) = true];
  optional string diskURI = 2 [(keep) = true];
  optional string cachingMode = 3 [(keep) = true];
  optional string fsType = 4 [(keep) = true];
  optional bool readOnly = 5 [(keep) = true];
  optional string kind = 6 [(keep) = true];
}

message PhotonPersistentDiskVolumeSource {
  optional string pdID = 1 [(keep) = true];
  optional string fsType = 2;
}

message PortworxVolumeSource {
  optional string volumeID = 1 [(keep) = true];
  optional string fsType = 2;
  optional bool readOnly = 3;
}

message ScaleIOVolumeSource {
  optional string gateway = 1 [(keep) = true];
  optional string system = 2 [(keep) = true];
  optional LocalObjectReference secretRef = 3;
  optional bool sslEnabled = 4;
  optional string protectionDomain = 5;
  optional string storagePool = 6;
  optional string storageMode = 7;
  optional string volumeName = 8;
  optional string fsType = 9;
  optional bool readOnly = 10;
}

message ProjectedVolumeSource {
  repeated VolumeProjection sources = 1;
  optional int32 defaultMode = 2 [(keep) = true];
}

message VolumeProjection {
  optional SecretProjection secret = 1;
  optional DownwardAPIProjection downwardAPI = 2;
  optional ConfigMapProjection configMap = 3;
  optional ServiceAccountTokenProjection serviceAccountToken = 4;
  optional ClusterTrustBundleProjection clusterTrustBundle = 5;
}

message SecretProjection {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(keep) = true];
}

message ConfigMapProjection {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(keep) = true];
}

message DownwardAPIProjection {
  repeated DownwardAPIVolumeFile items = 1;
}

message ServiceAccountTokenProjection {
  optional string audience = 1;
  optional int64 expirationSeconds = 2 [(keep) = true];
  optional string path = 3 [(keep) = true];
}

message ClusterTrustBundleProjection {
  optional string name = 1 [(keep) = true];
  optional string signerName = 2 [(keep) = true];
  optional ${meta}.LabelSelector labelSelector = 3;
  optional string path = 4 [(keep) = true];
  optional bool optional = 5 [(keep) = true];
}

message StorageOSVolumeSource {
  optional string volumeName = 1;
  optional string volumeNamespace = 2;
  optional string fsType = 3;
  optional bool readOnly = 4;
  optional LocalObjectReference secretRef = 5;
}

message CSIVolumeSource {
  optional string driver = 1 [(keep) = true];
  optional bool readOnly = 2 [(keep) = true];
  optional string fsType = 3 [(keep) = true];
  map<string, string> volumeAttributes = 4;
  optional LocalObjectReference nodePublishSecretRef = 5;
}

message EphemeralVolumeSource {
  optional PersistentVolumeClaimTemplate volumeClaimTemplate = 1;
}

message PersistentVolumeClaimTemplate {
  optional ${meta}.ObjectMeta metadata = 1;
  optional PersistentVolumeClaimSpec spec = 2;
}

message PersistentVolumeClaimSpec {
  repeated string accessModes = 1;
  optional VolumeResourceRequirements resources = 2;
  optional string volumeName = 3;
  optional ${meta}.LabelSelector selector = 4;
  optional string storageClassName = 5 [(keep) = true];
  optional string volumeMode = 6 [(keep) = true];
  optional TypedLocalObjectReference dataSource = 7;
  optional TypedObjectReference dataSourceRef = 8;
  optional string volumeAttributesClassName = 9 [(keep) = true];
}

message VolumeResourceRequirements {
  map<string, ${quantity}> limits = 1;
  map<string, ${quantity}> requests = 2;
}

message ImageVolumeSource {
  optional string reference = 1;
  optional string pullPolicy = 2;
}

message KeyToPath {
  optional string key = 1 [(keep) = true];
  optional string path = 2 [(keep) = true];
  optional int32 mode = 3 [(keep) = true];
}
`;

export const coreProto = `
syntax = "proto2";
package ${CORE};
${objects}${service}${pod}${podStatus}${container}${volumes}`;
