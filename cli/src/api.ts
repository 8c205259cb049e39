/*
 * The API's wire types, from the OpenAPI snapshot (docs/openapi.d.ts, generated from the served
 * document by `npm run openapi:update`): the CLI is typed against the public API only.
 */
import type { components } from '../../docs/openapi'

type S = components['schemas']

export type Thing = S['Thing']
export type ThingsPage = S['ThingsPage']
export type Things = S['Things']
export type Channel = S['Channel']
export type ChannelsPage = S['ChannelsPage']
export type User = S['User']
export type Token = S['Token']
export type IssuedKey = S['IssuedKey']
export type Key = S['Key']
export type KeysPage = S['KeysPage']
export type IssuedCert = S['IssuedCert']
export type Cert = S['Cert']
export type CertsPage = S['CertsPage']
export type Revocation = S['Revocation']
export type BootstrapConfig = S['BootstrapConfig']
export type BootstrapConfigListItem = S['BootstrapConfigListItem']
export type BootstrapConfigsPage = S['BootstrapConfigsPage']
export type ProvisionRequest = S['ProvisionRequest']
export type ProvisionResponse = S['ProvisionResponse']
export type ProvisionDryRun = S['ProvisionDryRun']
export type CreateThingRequest = S['CreateThingRequest']
export type ConnectRequest = S['ConnectRequest']
