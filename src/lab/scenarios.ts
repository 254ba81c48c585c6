/**
 * The policy lab's scenarios: honest reporting of abusive pictures, careless reporting of harmless ones, and each
 * attack on the auto-block (brigades, botnets, fresh and aged accounts, drips, shields, trust farming), at sizes
 * from 1 to 50 and with every reason. Each scenario builds its readers, pictures and report times from a seed.
 */
import { REPORT_REASONS, type ReportReason } from '../domain/reports.js';
import type { Random } from './random.js';
import type { Scenario, ScenarioRun, SimEvent, SimPicture, SimReader } from './simulate.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Reasons an attacker picks from; `illegal` has its own lower threshold. */
const REASONS = REPORT_REASONS;
const SIZES = [1, 2, 3, 5, 10, 20, 50];

/** Builds readers with unique ids and networks. */
class Population {
  readonly readers: SimReader[] = [];
  private count = 0;
  constructor(private readonly random: Random) {}

  private add(reader: Omit<SimReader, 'id' | 'track'> & { track?: SimReader['track'] }): SimReader {
    const created = { ...reader, id: `r${this.count++}`, track: reader.track ?? { upheld: 0, dismissed: 0 } };
    this.readers.push(created);
    return created;
  }

  /** A fresh network prefix: one of 2^24 IPv4 /24s. */
  network(): string {
    return `v4:${this.random.int(0, 16_777_215)}`;
  }

  /** A signed reader whose account is 100 days to 8 years old, with no decided reports. */
  ordinary(network = this.network()): SimReader {
    return this.add({
      kind: 'signed',
      accountCreatedAtMs: -this.random.int(100, 3_000) * DAY - this.random.int(0, DAY),
      identityNetwork: network,
      guardNetwork: network,
    });
  }

  /** A signed account (`account_created_at` sent) created up to two days before `reportAtMs`. */
  newAccount(network = this.network(), reportAtMs = 0, createdAtMs = reportAtMs - this.random.int(0, 2 * DAY)): SimReader {
    return this.add({ kind: 'signed', accountCreatedAtMs: createdAtMs, identityNetwork: network, guardNetwork: network });
  }

  /** An aged signed account created at `createdAtMs`. */
  aged(network: string, createdAtMs: number, guardNetwork = network): SimReader {
    return this.add({ kind: 'signed', accountCreatedAtMs: createdAtMs, identityNetwork: network, guardNetwork });
  }

  /** An anonymous reader (a cookie) on a network. */
  anonymous(network = this.network()): SimReader {
    return this.add({ kind: 'anonymous', accountCreatedAtMs: null, identityNetwork: network, guardNetwork: network });
  }

  /** A reader of the honest mix: 60 % ordinary, 30 % anonymous, 10 % new accounts. */
  honest(): SimReader {
    const draw = this.random.next();
    if (draw < 0.6) return this.ordinary();
    return draw < 0.9 ? this.anonymous() : this.newAccount();
  }
}

/** The reasons honest readers give for an abusive picture: mostly its true reason, sometimes another. */
function honestReason(random: Random, truth: ReportReason): ReportReason {
  return random.chance(0.8) ? truth : random.pick(REASONS);
}

/** A true reason for an abusive picture; `illegal` for 5 % of them. */
function abusiveReason(random: Random): ReportReason {
  return random.chance(0.05) ? 'illegal' : random.pick(REASONS.filter((reason) => reason !== 'illegal'));
}

/** Honest readers report abusive pictures as a Poisson stream (mean 5 minutes apart), up to 12 reports each. */
function honestStream(random: Random, make: (people: Population) => SimReader, pictures = 200): ScenarioRun {
  const people = new Population(random);
  const events: SimEvent[] = [];
  const list: SimPicture[] = [];
  for (let index = 0; index < pictures; index++) {
    const picture = { id: `abusive-${index}`, abusive: true };
    list.push(picture);
    const truth = abusiveReason(random);
    let at = random.int(0, DAY);
    for (let report = 0; report < 12; report++) {
      at += Math.round(random.exponential(5 * MINUTE));
      events.push({ atMs: at, kind: 'report', readerId: make(people).id, pictureId: picture.id, reason: honestReason(random, truth) });
    }
  }
  return { readers: people.readers, pictures: list, events };
}

/** One benign picture per (size, reason), attacked by `size` readers from `make`, spread over `spreadMs`. */
function attack(
  random: Random,
  make: (people: Population, size: number) => (index: number, atMs: number) => SimReader,
  spreadMs: number,
  sizes = SIZES,
  reasons: readonly ReportReason[] = REASONS,
): ScenarioRun {
  const people = new Population(random);
  const events: SimEvent[] = [];
  const pictures: SimPicture[] = [];
  for (const size of sizes) {
    for (const reason of reasons) {
      const picture = { id: `benign-${size}-${reason}`, abusive: false };
      pictures.push(picture);
      const reader = make(people, size);
      const start = random.int(0, DAY);
      for (let index = 0; index < size; index++) {
        const at = start + (size === 1 ? 0 : Math.round((index / (size - 1)) * spreadMs) + random.int(0, 999));
        events.push({ atMs: at, kind: 'report', readerId: reader(index, at).id, pictureId: picture.id, reason });
      }
    }
  }
  return { readers: people.readers, pictures, events };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'honest-mixed',
    group: 'honest',
    description: 'abusive pictures reported by an honest stream: 60 % ordinary, 30 % anonymous, 10 % new accounts',
    build: (random) => honestStream(random, (people) => people.honest()),
  },
  {
    name: 'honest-ordinary',
    group: 'honest',
    description: 'abusive pictures reported by ordinary signed readers only',
    build: (random) => honestStream(random, (people) => people.ordinary()),
  },
  {
    name: 'honest-anonymous-regulars',
    group: 'honest',
    description: 'a site without logins: anonymous readers, one in five a regular with 3+ upheld reports',
    build: (random) =>
      honestStream(random, (people) => {
        const reader = people.anonymous();
        if (random.chance(0.2)) reader.track = { upheld: 4, dismissed: 0 };
        return reader;
      }),
  },
  {
    name: 'careless-benign',
    group: 'honest',
    description: 'harmless pictures that 0–3 readers of the honest mix report by mistake (a stress case), any reason',
    build: (random) => {
      const people = new Population(random);
      const events: SimEvent[] = [];
      const pictures: SimPicture[] = [];
      for (let index = 0; index < 400; index++) {
        pictures.push({ id: `benign-${index}`, abusive: false });
        const count = random.int(0, 3);
        for (let report = 0; report < count; report++) {
          events.push({
            atMs: random.int(0, 3 * DAY),
            kind: 'report',
            readerId: people.honest().id,
            pictureId: `benign-${index}`,
            reason: random.pick(REASONS),
          });
        }
      }
      return { readers: people.readers, pictures, events };
    },
  },
  {
    name: 'restored-benign',
    group: 'attack',
    description: 'harmless pictures a moderator restored, then reported again by 2–5 readers of the honest mix',
    build: (random) => {
      const people = new Population(random);
      const events: SimEvent[] = [];
      const pictures: SimPicture[] = [];
      for (let index = 0; index < 200; index++) {
        pictures.push({ id: `restored-${index}`, abusive: false, restored: true });
        const count = random.int(2, 5);
        for (let report = 0; report < count; report++) {
          events.push({
            atMs: random.int(0, DAY),
            kind: 'report',
            readerId: people.honest().id,
            pictureId: `restored-${index}`,
            reason: random.pick(REASONS.filter((reason) => reason !== 'illegal')),
          });
        }
      }
      return { readers: people.readers, pictures, events };
    },
  },
  {
    name: 'anon-one-network-burst',
    group: 'attack',
    description: 'anonymous readers from one network (cookies cleared between reports), 1–50 within 2 minutes, every reason',
    build: (random) =>
      attack(
        random,
        (people) => {
          const net = people.network();
          return () => people.anonymous(net);
        },
        2 * MINUTE,
      ),
  },
  {
    name: 'anon-one-network-drip',
    group: 'attack',
    description: 'the same brigade spread over 24 hours',
    build: (random) =>
      attack(
        random,
        (people) => {
          const net = people.network();
          return () => people.anonymous(net);
        },
        DAY,
      ),
  },
  {
    name: 'anon-botnet-burst',
    group: 'attack',
    description: 'anonymous readers on 1–50 distinct networks, within 2 minutes, every reason including illegal',
    build: (random) => attack(random, (people) => () => people.anonymous(), 2 * MINUTE),
  },
  {
    name: 'anon-botnet-drip',
    group: 'attack',
    description: 'the same botnet spread over 24 hours (never five within one brigade window)',
    build: (random) => attack(random, (people) => () => people.anonymous(), DAY),
  },
  {
    name: 'fresh-accounts-one-network',
    group: 'attack',
    description: '1–20 signed accounts created in the last two days, one network, every reason',
    build: (random) =>
      attack(
        random,
        (people) => {
          const net = people.network();
          return (_index, at) => people.newAccount(net, at);
        },
        10 * MINUTE,
        [1, 2, 3, 5, 10, 20],
      ),
  },
  {
    name: 'fresh-accounts-many-networks',
    group: 'attack',
    description: '1–20 new accounts, each on its own network, every reason, burst',
    build: (random) =>
      attack(random, (people) => (_index, at) => people.newAccount(people.network(), at), 10 * MINUTE, [1, 2, 3, 5, 10, 20]),
  },
  {
    name: 'aged-ring-one-network',
    group: 'attack',
    description: '2–10 aged accounts (100 days to 8 years) with no history, from one network, every reason',
    build: (random) =>
      attack(
        random,
        (people) => {
          const net = people.network();
          return () => people.ordinary(net);
        },
        10 * MINUTE,
        [2, 3, 5, 10],
      ),
  },
  {
    name: 'aged-ring-ipv6-site',
    group: 'attack',
    description: '2–10 aged accounts on distinct IPv6 /56s of one /48, every reason',
    build: (random) =>
      attack(
        random,
        (people) => {
          const site = people.network();
          return (index) => people.aged(`${site}:${index}`, -random.int(100, 3_000) * DAY, site);
        },
        10 * MINUTE,
        [2, 3, 5, 10],
      ),
  },
  {
    name: 'aged-batch-accounts',
    group: 'attack',
    description: '3–10 aged accounts registered together (within 5 minutes, a year ago), each on its own network',
    build: (random) =>
      attack(
        random,
        (people) => {
          const batch = -365 * DAY;
          return () => people.aged(people.network(), batch + random.int(0, 5 * MINUTE));
        },
        10 * MINUTE,
        [3, 5, 10],
      ),
  },
  {
    name: 'low-trust-drip-24h',
    group: 'attack',
    description: 'a mix of anonymous readers and new accounts on distinct networks, 1–50 over 24 hours, every reason',
    build: (random) =>
      attack(random, (people) => (_index, at) => (random.chance(0.5) ? people.anonymous() : people.newAccount(people.network(), at)), DAY),
  },
  {
    name: 'farming',
    group: 'attack',
    description: 'two aged accounts each farm 50 upholds by reporting pictures already hidden, then report 20 harmless pictures together',
    build: (random) => {
      const people = new Population(random);
      const farmers = [people.ordinary(), people.ordinary()];
      const events: SimEvent[] = [];
      const pictures: SimPicture[] = [];
      for (let index = 0; index < 50; index++) {
        pictures.push({ id: `hidden-${index}`, abusive: true, hidden: true });
        for (const farmer of farmers)
          events.push({ atMs: index * MINUTE, kind: 'report', readerId: farmer.id, pictureId: `hidden-${index}`, reason: 'spam' });
      }
      events.push({ atMs: HOUR, kind: 'moderate' });
      for (let index = 0; index < 20; index++) {
        pictures.push({ id: `target-${index}`, abusive: false });
        for (const farmer of farmers)
          events.push({
            atMs: 2 * HOUR + index * MINUTE,
            kind: 'report',
            readerId: farmer.id,
            pictureId: `target-${index}`,
            reason: random.pick(REASONS.filter((reason) => reason !== 'illegal')),
          });
      }
      return { readers: people.readers, pictures, events };
    },
  },
  {
    name: 'shield',
    group: 'honest',
    description: '0–50 low-trust reports (reason other) land first; then honest ordinary readers report the abusive picture',
    build: (random) => {
      const people = new Population(random);
      const events: SimEvent[] = [];
      const pictures: SimPicture[] = [];
      for (const shield of [0, 1, 5, 10, 20, 50]) {
        for (let copy = 0; copy < 10; copy++) {
          const picture = { id: `shielded-${shield}-${copy}`, abusive: true };
          pictures.push(picture);
          const start = random.int(0, DAY);
          for (let index = 0; index < shield; index++) {
            const reader = random.chance(0.5) ? people.anonymous() : people.newAccount();
            events.push({ atMs: start + index * 1_000, kind: 'report', readerId: reader.id, pictureId: picture.id, reason: 'other' });
          }
          for (let index = 0; index < 6; index++) {
            events.push({
              atMs: start + shield * 1_000 + (index + 1) * MINUTE,
              kind: 'report',
              readerId: people.ordinary().id,
              pictureId: picture.id,
              reason: 'violence',
            });
          }
        }
      }
      return { readers: people.readers, pictures, events };
    },
  },
  {
    name: 'aged-accounts-distinct-networks',
    group: 'limit',
    description: 'three aged accounts created apart, on three networks: indistinguishable from three honest readers',
    build: (random) => attack(random, (people) => () => people.ordinary(), 10 * MINUTE, [3], REASONS),
  },
];

/** The scenario of this name. @throws Error naming the known scenarios */
export function scenarioNamed(name: string): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.name === name);
  if (!scenario) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((candidate) => candidate.name).join(', ')}`);
  return scenario;
}
