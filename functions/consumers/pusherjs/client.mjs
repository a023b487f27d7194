// A pusher-js client against Payvand's local real-time server. It joins
// the user's private channel (authorized by POST /api/broadcasting/auth),
// tries another user's (which must fail), prints "ready", then waits for
// a notification.new and prints it.
import Pusher from 'pusher-js';

const { PV_HOST, PV_PORT, PV_KEY, PV_TOKEN, PV_USER, PV_OTHER, PV_BASE } = process.env;
const fail = (msg) => { console.log('FAIL ' + msg); process.exit(1); };
setTimeout(() => fail('timeout'), 15000);

const pusher = new Pusher(PV_KEY, {
  cluster: 'local',
  wsHost: PV_HOST,
  wsPort: Number(PV_PORT),
  forceTLS: false,
  enabledTransports: ['ws'],
  channelAuthorization: {
    endpoint: PV_BASE + '/api/broadcasting/auth',
    transport: 'ajax',
    headers: { Authorization: 'Bearer ' + PV_TOKEN },
  },
});

let own = false, refused = false;
const maybeReady = () => { if (own && refused) console.log('ready'); };

const mine = pusher.subscribe('private-user.' + PV_USER);
mine.bind('pusher:subscription_succeeded', () => { own = true; maybeReady(); });
mine.bind('pusher:subscription_error', (e) => fail('own channel refused: ' + JSON.stringify(e)));
mine.bind('notification.new', (data) => {
  console.log('notification ' + JSON.stringify(data));
  pusher.disconnect();
  process.exit(0);
});

const theirs = pusher.subscribe('private-user.' + PV_OTHER);
theirs.bind('pusher:subscription_succeeded', () => fail("joined another user's channel"));
theirs.bind('pusher:subscription_error', (e) => { refused = e && e.status === 403; if (!refused) fail('unexpected error ' + JSON.stringify(e)); maybeReady(); });
