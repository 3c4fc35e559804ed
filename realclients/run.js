'use strict';
// Runs Particle's own JavaScript clients over loopback against the
// project's emulators (cloud/cloudtest, softap/softaptest), served by the
// program given as the first argument (go build ./internal/realclients).
// Each step prints "ok" or "FAIL" with its name; any failure exits 1.
//
//   node run.js /path/to/realclients

const { Emulators, describe, currentStep } = require('./harness');
const { Cloud } = require('./cloud');
const softap = require('./softap');

async function main(binary) {
	const emulators = await Emulators.start(binary);
	let failure;
	try {
		const cloud = new Cloud(emulators.setup);
		await cloud.productToken();
		await cloud.shadowCustomer();
		for (const photon of emulators.setup.photons) {
			await cloud.importDevice(photon.id);
			const code = await cloud.claimCode(photon.id);
			await softap.provision(emulators, photon, code);
			await cloud.afterSetup(photon.id);
		}
		await cloud.eventStream();
	} catch (err) {
		failure = err;
	}
	// A failed step is the news; the program's own end comes second.
	await emulators.stop().catch((err) => { failure = failure || err; });
	if (failure) {
		throw failure;
	}
}

// fail reports the failed step on stdout, after the steps that passed, and
// exits once it is written.
function fail(err) {
	const message = err instanceof Error && err.message.startsWith('FAIL') ? err.message : `FAIL  ${currentStep()}: ${describe(err)}`;
	process.stdout.write(message + '\n', () => process.exit(1));
}

process.on('uncaughtException', fail);
main(process.argv[2]).then(() => console.log('real clients: all steps passed'), fail);
