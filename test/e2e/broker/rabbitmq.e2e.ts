// A real RabbitMQ (MQTT plugin, HTTP auth backend configured with the README's block) asking the
// real Worker, driven by MQTT clients that act as the Mainflux agent does. See e2e/broker/setup.ts.
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import {
  type Gateway,
  type Session,
  type Thing,
  closedWithin,
  connectAgent,
  connectMqtt,
  connectOutcome,
  end,
  newThing,
  ok,
  provisionGateway,
  publish,
  received,
  reqTopic,
  signUp,
  subscribe,
} from './clients'

/** How long a revocation may take to close an open session (the queue runs at once). */
const CLOSE_MS = 8000
/** How long a message that must not arrive is waited for. */
const QUIET_MS = 1500
/** CONNACK 4: bad user name or password (a refused /user hook). */
const BAD_CREDENTIALS = 4

let token: string
beforeAll(async () => {
  token = await signUp()
})

/** A thing connected to `channel`, with an open MQTT session to publish from. */
async function sender(channel: string): Promise<{ thing: Thing; session: Session }> {
  const thing = await newThing(token)
  await ok(200, 'POST', '/connect', {
    token,
    json: { channel_ids: [channel], thing_ids: [thing.id] },
  })
  const session = await connectMqtt({
    clientId: `sender-${thing.id}`,
    username: thing.id,
    password: thing.key,
  })
  return { thing, session }
}

/**
 * A freshly provisioned gateway whose agent is connected and subscribed to its control channel's
 * `req` topic, and a second thing on that channel whose message the agent has received.
 */
async function listeningAgent() {
  const gw = await provisionGateway(token)
  const agent = await connectAgent(gw)
  expect(await subscribe(agent, reqTopic(gw.control))).toBe('granted')
  const other = await sender(gw.control)
  const before = `before-${randomUUID()}`
  expect(await publish(other.session, reqTopic(gw.control), before)).toBe('acked')
  expect(await received(agent, before), 'the agent gets the control message').toBe(true)
  return { gw, agent, other }
}

/**
 * After a revocation: the broker connection is closed, and a message sent on the control channel
 * no longer reaches the old subscription.
 */
async function expectCutOff(gw: Gateway, agent: Session, other: Session) {
  expect.soft(await closedWithin(agent, CLOSE_MS), 'the open agent connection is closed').toBe(true)
  const after = `after-${randomUUID()}`
  const sent = await publish(other, reqTopic(gw.control), after)
  if (sent === 'acked') {
    expect
      .soft(await received(agent, after, QUIET_MS), 'the old subscription gets nothing')
      .toBe(false)
  }
}

/** Connects the agent again (its key still valid) and tries `act` on a fresh session. */
async function freshAgent(gw: Gateway) {
  return connectAgent(gw)
}

describe('RabbitMQ with Fluxgate hooks, as the Mainflux agent uses it', () => {
  it('the agent of a provisioned gateway receives what a thing publishes on its control channel', async () => {
    const { agent, other } = await listeningAgent()
    await end(agent, other.session)
  })

  it('a gateway provisioned with the default layout connects with what bootstrap gives it', async () => {
    // No ?layout: the default one (MF_PROVISION_LAYOUT unset), with no setting but FLUXGATE_MQTT_URL.
    const gw = await provisionGateway(token)
    // Everything the agent uses comes from bootstrap: the broker URL (content.agent.mqtt.url, filled
    // from FLUXGATE_MQTT_URL), its thing id and key, the channels.
    expect(gw.mqttUrl, 'content.agent.mqtt.url is the broker Fluxgate was told about').toBe(
      inject('mqttUrl')
    )
    const agent = await connectAgent(gw)
    expect(await subscribe(agent, reqTopic(gw.control))).toBe('granted')
    expect(await subscribe(agent, `channels/${gw.control}/messages/#`)).toBe('granted')
    expect(await publish(agent, `channels/${gw.data}/messages`, '[{"n":"t","v":21.5}]')).toBe(
      'acked'
    )
    expect(
      await publish(agent, `channels/${gw.data}/messages/sensors/t`, '[{"n":"t","v":1}]')
    ).toBe('acked')
    expect(agent.isClosed()).toBe(false)
    await end(agent)
  })

  it('refuses a wrong key, a wrong username and another thing client id', async () => {
    const gw = await provisionGateway(token)
    const other = await sender(gw.control)
    // The other thing holds `agent-<its id>`: an impostor taking that id would end its session.
    const victim = await connectMqtt({
      clientId: `agent-${other.thing.id}`,
      username: other.thing.id,
      password: other.thing.key,
    })
    const { id, key } = gw.thing
    expect(
      await connectOutcome({
        clientId: `agent-${id}`,
        username: id,
        password: `wrong-${randomUUID()}`,
      })
    ).toBe(BAD_CREDENTIALS)
    expect(
      await connectOutcome({ clientId: `agent-${id}`, username: other.thing.id, password: key })
    ).toBe(BAD_CREDENTIALS)
    expect(
      await connectOutcome({ clientId: `agent-${other.thing.id}`, username: id, password: key })
    ).toBe(BAD_CREDENTIALS)
    expect(await connectOutcome({ clientId: other.thing.id, username: id, password: key })).toBe(
      BAD_CREDENTIALS
    )
    expect(victim.isClosed(), 'the refused impostor did not end the other session').toBe(false)
    // The right credentials still work.
    expect(await connectOutcome({ clientId: `agent-${id}`, username: id, password: key })).toBe(
      'ok'
    )
    await end(victim, other.session)
  })

  it('refuses a thing that is not connected to the channel, and wildcards beyond one channel', async () => {
    const gw = await provisionGateway(token)
    const stranger = await newThing(token)
    const creds = {
      clientId: `agent-${stranger.id}`,
      username: stranger.id,
      password: stranger.key,
    }
    let s = await connectMqtt(creds)
    expect(
      await subscribe(s, reqTopic(gw.control)),
      'subscribe on a channel it is not connected to'
    ).toBe('closed')
    s = await connectMqtt(creds)
    expect(
      await publish(s, reqTopic(gw.control), 'x'),
      'publish on a channel it is not connected to'
    ).toBe('closed')

    const agent = await connectAgent(gw)
    expect(await subscribe(agent, `channels/${gw.control}/messages/#`)).toBe('granted')
    expect(await subscribe(agent, `channels/${gw.control}/messages/+/status`)).toBe('granted')
    expect(await subscribe(agent, 'channels/+/messages'), 'a wildcard channel').toBe('closed')
    for (const filter of [
      '#',
      'channels/#',
      `channels/${gw.control}/#`,
      `channels/${gw.control}/other`,
    ]) {
      const a = await connectAgent(gw)
      expect(await subscribe(a, filter), filter).toBe('closed')
    }
    const a = await connectAgent(gw)
    expect(await publish(a, `channels/${gw.control}/other`, 'x'), 'publish outside messages').toBe(
      'closed'
    )
  })

  it('after a key rotation the open connection is closed and the old key is refused', async () => {
    const { gw, agent, other } = await listeningAgent()
    const newKey = `key-${randomUUID()}`
    await ok(200, 'PATCH', `/things/${gw.thing.id}/key`, { token, json: { key: newKey } })
    await expectCutOff(gw, agent, other.session)
    expect(
      await connectOutcome({
        clientId: `agent-${gw.thing.id}`,
        username: gw.thing.id,
        password: gw.thing.key,
      }),
      'old key'
    ).toBe(BAD_CREDENTIALS)
    const again = await connectAgent(gw, newKey)
    expect(await subscribe(again, reqTopic(gw.control)), 'the new key works').toBe('granted')
    await end(again, other.session)
  })

  it('after a disconnect the open connection is closed; publish and subscribe on the channel are refused', async () => {
    const { gw, agent, other } = await listeningAgent()
    await ok(204, 'DELETE', `/channels/${gw.control}/things/${gw.thing.id}`, { token })
    await expectCutOff(gw, agent, other.session)
    let s = await freshAgent(gw)
    expect(await publish(s, reqTopic(gw.control), 'x'), 'publish').toBe('closed')
    s = await freshAgent(gw)
    expect(await subscribe(s, reqTopic(gw.control)), 'subscribe').toBe('closed')
    // Only that channel: the data channel is still the gateway's.
    s = await freshAgent(gw)
    expect(
      await publish(s, `channels/${gw.data}/messages`, 'x'),
      'the data channel still works'
    ).toBe('acked')
    await end(s, other.session)
  })

  it('after bootstrap state 0 the open connection is closed; publish and subscribe on the channel are refused', async () => {
    const { gw, agent, other } = await listeningAgent()
    await ok(200, 'PUT', `/things/state/${gw.thing.id}`, { token, json: { state: 0 } })
    await expectCutOff(gw, agent, other.session)
    let s = await freshAgent(gw)
    expect(await publish(s, reqTopic(gw.control), 'x'), 'publish').toBe('closed')
    s = await freshAgent(gw)
    expect(await subscribe(s, reqTopic(gw.control)), 'subscribe').toBe('closed')
    await end(other.session)
  })

  it('after the thing is removed the open connection is closed and its key is refused', async () => {
    const { gw, agent, other } = await listeningAgent()
    await ok(204, 'DELETE', `/things/${gw.thing.id}`, { token })
    await expectCutOff(gw, agent, other.session)
    expect(
      await connectOutcome({
        clientId: `agent-${gw.thing.id}`,
        username: gw.thing.id,
        password: gw.thing.key,
      })
    ).toBe(BAD_CREDENTIALS)
    await end(other.session)
  })

  it('after the channel is removed the open connection is closed and subscribing there is refused', async () => {
    const { gw, agent, other } = await listeningAgent()
    await ok(204, 'DELETE', `/channels/${gw.control}`, { token })
    expect
      .soft(await closedWithin(agent, CLOSE_MS), 'the open agent connection is closed')
      .toBe(true)
    const s = await freshAgent(gw)
    expect(await subscribe(s, reqTopic(gw.control)), 'subscribe').toBe('closed')
    await end(agent, other.session)
  })
})
