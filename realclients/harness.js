'use strict';
// The harness: starts the project's serving program (internal/realclients),
// talks to it over its stdin/stdout, and runs named steps. A step that
// throws, or takes longer than its time limit, fails the run with the
// step's name.

const { spawn } = require('node:child_process');
const readline = require('node:readline');

const stepTimeoutMs = 20000;

class Emulators {
	// start runs the serving program and reads its setup line.
	static async start(binary) {
		const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
		const lines = readline.createInterface({ input: child.stdout });
		const e = new Emulators(child, lines);
		e.setup = await e.next();
		return e;
	}

	constructor(child, lines) {
		this.child = child;
		this.waiting = [];
		this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
		lines.on('line', (line) => {
			const w = this.waiting.shift();
			if (w) {
				w.resolve(JSON.parse(line));
			}
		});
		this.exited.then(({ code, signal }) => {
			for (const w of this.waiting.splice(0)) {
				w.reject(new Error(`the emulators' program ended (code ${code}, signal ${signal})`));
			}
		});
	}

	next() {
		return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
	}

	// ask sends one request line and returns its JSON answer.
	ask(request) {
		const answer = this.next();
		this.child.stdin.write(request + '\n');
		return answer;
	}

	// stop closes the program's stdin and waits for it to end.
	async stop() {
		this.child.stdin.end();
		const { code, signal } = await this.exited;
		if (code !== 0) {
			throw new Error(`the emulators' program ended with code ${code}, signal ${signal}`);
		}
	}
}

let current = '(starting)';

// step runs fn under the name; it throws a message naming the step.
async function step(name, fn) {
	current = name;
	let timer;
	const limit = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${stepTimeoutMs / 1000} s`)), stepTimeoutMs);
	});
	try {
		const result = await Promise.race([fn(), limit]);
		console.log(`ok    ${name}`);
		return result;
	} catch (err) {
		throw new Error(`FAIL  ${name}: ${describe(err)}`);
	} finally {
		clearTimeout(timer);
	}
}

// describe words an error from either library (api-js rejects with Error
// objects carrying statusCode and body; its event stream with plain objects).
function describe(err) {
	if (err instanceof Error) {
		return err.message + (err.body ? ` ${JSON.stringify(err.body)}` : '');
	}
	return JSON.stringify(err);
}

// expect throws when ok is false.
function expect(ok, message) {
	if (!ok) {
		throw new Error(message);
	}
}

// currentStep names the step running, for errors thrown outside it (the
// SoftAP library throws from socket callbacks).
function currentStep() {
	return current;
}

module.exports = { Emulators, step, expect, describe, currentStep };
