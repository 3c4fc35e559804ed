'use strict';
// @particle/softap-setup against one softaptest Photon: the SoftAP steps of
// provisioning, through the library's own calls, then a check that the
// Photon's access point is gone after connect-ap.

const SoftAPSetup = require('@particle/softap-setup');
const { step, expect } = require('./harness');

// call turns the library's callback API into a promise that settles on the
// first callback (connect and set can call back twice on an error).
function call(fn) {
	return new Promise((resolve, reject) => {
		fn((err, data) => (err ? reject(err) : resolve(data)));
	});
}

async function provision(emulators, photon, claimCode) {
	const { network } = emulators.setup;
	const at = `softap ${photon.transport} ${photon.id}`;
	const sap = new SoftAPSetup({ host: photon.host, port: Number(photon.port), protocol: photon.transport });

	await step(`${at}: device-id`, async () => {
		const info = await call((cb) => sap.deviceInfo(cb));
		expect(info.id === photon.id, `device ID ${JSON.stringify(info.id)}, want ${photon.id}`);
		expect(info.claimed === false, `claimed ${info.claimed}, want false`);
	});
	await step(`${at}: public-key`, async () => {
		const pem = await call((cb) => sap.publicKey(cb));
		expect(typeof pem === 'string' && pem.startsWith('-----BEGIN PUBLIC KEY-----'), `public key ${JSON.stringify(pem)}`);
	});
	await step(`${at}: set claim code`, async () => {
		await call((cb) => sap.setClaimCode(claimCode, cb));
		const state = await emulators.ask(`state ${photon.id}`);
		expect(state.claim_code === claimCode, 'the Photon stored a different claim code');
	});
	await step(`${at}: scan`, async () => {
		const scans = await call((cb) => sap.scan(cb));
		expect(Array.isArray(scans), `scan gave ${JSON.stringify(scans)}`);
		const ap = scans.find((s) => s.ssid === network.ssid);
		expect(ap, `${JSON.stringify(network.ssid)} not in ${JSON.stringify(scans)}`);
		expect(ap.sec === network.sec && ap.ch === network.channel,
			`${network.ssid}: sec ${ap.sec} ch ${ap.ch}, want sec ${network.sec} ch ${network.channel}`);
		expect(sap.securityLookup(ap.sec) === 'wpa2_aes', `the library reads sec ${ap.sec} as ${sap.securityLookup(ap.sec)}`);
	});
	await step(`${at}: configure (WPA2)`, async () => {
		const reply = await call((cb) => sap.configure({
			ssid: network.ssid, security: 'wpa2_aes', password: network.password, channel: network.channel,
		}, cb));
		expect(reply && reply.r === 0, `configure-ap answered ${JSON.stringify(reply)}`);
		const state = await emulators.ask(`state ${photon.id}`);
		expect(state.ssid === network.ssid, `the Photon stored SSID ${JSON.stringify(state.ssid)}`);
		expect(state.password === network.password, 'the Photon decrypted a different password');
		expect(state.sec === network.sec && state.channel === network.channel,
			`the Photon stored sec ${state.sec} ch ${state.channel}`);
	});
	await step(`${at}: connect`, async () => {
		await call((cb) => sap.connect(0, cb));
		const state = await emulators.ask(`online ${photon.id}`);
		expect(state.online, 'the Photon did not come online after connect-ap');
		expect(state.claim_error === '', `the cloud did not claim the Photon: ${state.claim_error}`);
	});
	await step(`${at}: access point gone after connect-ap`, async () => {
		const after = new SoftAPSetup({ host: photon.host, port: Number(photon.port), protocol: photon.transport, timeout: 2000 });
		// version hands back whatever came (deviceInfo would throw on a
		// connection closed without a reply, which is also "no answer").
		const answer = await call((cb) => after.version(cb)).then((reply) => reply, () => undefined);
		expect(answer === undefined,
			`the Photon still answered version (${JSON.stringify(answer)}) after connect-ap; a real Photon takes its access point down`);
	});
}

module.exports = { provision };
