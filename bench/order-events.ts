/**
 * Order events of about 1 KB of JSON, generated from a seed so every run (and every machine)
 * compresses the same bytes: nested objects, repeated field names, ids, prices, timestamps,
 * free-text addresses and a few line items — the shape of a typical e-commerce event stream.
 */

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Dennis', 'Margaret', 'John', 'Frances', 'Leslie'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Thompson', 'Ritchie', 'Hamilton', 'Backus', 'Allen', 'Lamport'];
const STREETS = ['Main St', 'High St', 'Station Rd', 'Church Ln', 'Mill Rd', 'Park Ave', 'Oak Dr', 'River Way', 'King St', 'Queen St'];
const CITIES: Array<[string, string, string]> = [
  ['Berlin', 'BE', 'DE'],
  ['Lyon', 'ARA', 'FR'],
  ['Leeds', 'ENG', 'GB'],
  ['Austin', 'TX', 'US'],
  ['Porto', '13', 'PT'],
  ['Utrecht', 'UT', 'NL'],
  ['Gdansk', 'PM', 'PL'],
  ['Turin', 'PIE', 'IT'],
];
const PRODUCTS = [
  ['SKU-10021', 'Mechanical keyboard, 75%, brown switches', 'electronics'],
  ['SKU-10457', 'USB-C hub, 7 ports', 'electronics'],
  ['SKU-20013', 'Ceramic pour-over coffee dripper', 'kitchen'],
  ['SKU-20988', 'Stainless steel kettle, 1.2 l', 'kitchen'],
  ['SKU-31002', 'Merino wool socks, 3 pairs', 'apparel'],
  ['SKU-31877', 'Rain jacket, packable', 'apparel'],
  ['SKU-40550', 'Paperback: Designing Data-Intensive Applications', 'books'],
  ['SKU-40551', 'Paperback: The Art of Computer Programming, Vol. 1', 'books'],
  ['SKU-52210', 'LED desk lamp with dimmer', 'home'],
  ['SKU-52999', 'Cotton bath towel set', 'home'],
];
const STATUSES = ['created', 'paid', 'packed', 'shipped', 'delivered', 'cancelled'];
const PAYMENTS = ['card', 'paypal', 'sepa_debit', 'apple_pay', 'gift_card'];
const CARRIERS = ['DHL', 'UPS', 'DPD', 'GLS', 'PostNL'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'ShopApp/4.12.0 (Android 14; Pixel 8)',
];

/** mulberry32: a tiny seeded generator, enough for reproducible test data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (next: () => number, length: number): string => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join('');

/** The `index`-th order event of the stream seeded with `seed`, as its JSON object. */
export function orderEvent(next: () => number, index: number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const [city, region, country] = pick(CITIES);
  const first = pick(FIRST);
  const last = pick(LAST);
  const items = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
    const [sku, name, category] = pick(PRODUCTS);
    return { sku, name, category, quantity: 1 + Math.floor(next() * 4), unitPrice: Math.round(next() * 20000) / 100 };
  });
  const subtotal = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  const at = 1_735_689_600_000 + index * 1_250 + Math.floor(next() * 1000);
  return {
    eventId: `${hex(next, 8)}-${hex(next, 4)}-4${hex(next, 3)}-${hex(next, 4)}-${hex(next, 12)}`,
    eventType: `order.${pick(STATUSES)}`,
    occurredAt: new Date(at).toISOString(),
    orderId: `ORD-${String(100000 + index).padStart(8, '0')}`,
    customer: {
      id: `CUS-${Math.floor(next() * 900000) + 100000}`,
      name: `${first} ${last}`,
      email: `${first}.${last}${Math.floor(next() * 100)}@example.com`.toLowerCase(),
      loyaltyTier: pick(['none', 'silver', 'gold', 'platinum']),
    },
    shippingAddress: {
      line1: `${1 + Math.floor(next() * 250)} ${pick(STREETS)}`,
      city,
      region,
      postalCode: String(10000 + Math.floor(next() * 89999)),
      country,
    },
    items,
    payment: {
      method: pick(PAYMENTS),
      currency: country === 'US' ? 'USD' : country === 'GB' ? 'GBP' : 'EUR',
      amount: Math.round(subtotal * 100) / 100,
      captured: next() < 0.8,
    },
    shipment: {
      carrier: pick(CARRIERS),
      service: pick(['standard', 'express', 'economy']),
      trackingNumber: `${hex(next, 4).toUpperCase()}${Math.floor(next() * 1e10)}`,
    },
    channel: pick(['web', 'ios', 'android', 'pos']),
    context: {
      sessionId: hex(next, 24),
      userAgent: pick(USER_AGENTS),
      ip: `203.0.113.${Math.floor(next() * 254) + 1}`,
      locale: pick(['de-DE', 'fr-FR', 'en-GB', 'en-US', 'pt-PT', 'nl-NL', 'pl-PL', 'it-IT']),
      campaign:
        next() < 0.4
          ? { source: pick(['newsletter', 'search', 'social']), medium: pick(['email', 'cpc', 'organic']), id: `CMP-${Math.floor(next() * 9000) + 1000}` }
          : null,
    },
    notes: next() < 0.3 ? 'Leave the parcel with the neighbour if nobody is home.' : null,
    schemaVersion: 3,
  };
}

/** `count` order events from `seed`, each as its JSON bytes (about 1 KB each). */
export function orderEvents(count: number, seed = 12): Buffer[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify(orderEvent(next, i))));
}
