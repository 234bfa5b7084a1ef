/**
 * How every layer names an AKS cluster and a subscription: the Azure layer lists them, the engine
 * resolves and diagnoses them, the app stores and shows them. Defined once here, outside the
 * layers and importing nothing, so the app can name a cluster without importing the Azure layer
 * and the Azure layer without importing the engine (data flows transport → app → engine → azure).
 */
export interface ClusterRef {
  /** The ARM resource id: what identifies the cluster; the other fields are read from it or beside it. */
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  /**
   * The Azure region, when known: the Azure layer's lists always fill it in ('' when Azure gave
   * none); a cluster named by its resource id, or a watch stored before regions were kept, has none.
   */
  location?: string;
}

export interface SubscriptionRef {
  subscriptionId: string;
  displayName?: string;
}
