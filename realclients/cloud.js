'use strict';
// particle-api-js against cloudtest: the cloud steps of provisioning and of
// the device tools, through the library's own calls. Where the library has
// no call (a shadow customer, a customer token) the request goes through
// its request helper, so it still travels through the library's agent.

const Particle = require('particle-api-js');
const { step, expect } = require('./harness');

const customerEmail = 'tray7@example.com';

class Cloud {
	constructor(setup) {
		this.setup = setup.cloud;
		this.api = new Particle({ baseUrl: this.setup.url, clientId: this.setup.client_id, clientSecret: this.setup.client_secret });
		this.product = this.setup.product_id;
	}

	async productToken() {
		await step('cloud: a wrong client secret is refused', async () => {
			const stranger = new Particle({ baseUrl: this.setup.url, clientId: this.setup.client_id, clientSecret: 'not-the-secret' });
			const refusal = await stranger.loginAsClientOwner().then(() => null, (err) => err);
			expect(refusal, 'the cloud gave a token for a wrong client secret');
			expect(refusal.statusCode === 400, `status ${refusal.statusCode}`);
			expect(refusal.body && refusal.body.error === 'invalid_client', `the library read the refusal as ${JSON.stringify(refusal.body)}`);
		});
		this.token = await step('cloud: product token by client credentials', async () => {
			const { body } = await this.api.loginAsClientOwner();
			expect(typeof body.access_token === 'string' && body.access_token.length > 0, 'no access_token');
			expect(body.token_type === 'bearer', `token_type ${body.token_type}`);
			expect(Number.isInteger(body.expires_in) && body.expires_in > 0, `expires_in ${body.expires_in}`);
			return body.access_token;
		});
	}

	async importDevice(id) {
		await step(`cloud: import ${id} into the product`, async () => {
			const { body } = await this.api.addDeviceToProduct({ deviceId: id, product: this.product, auth: this.token });
			expect(Array.isArray(body.updatedDeviceIds) && body.updatedDeviceIds.includes(id), `import answered ${JSON.stringify(body)}`);
		});
	}

	async shadowCustomer() {
		await step('cloud: shadow customer (no_password)', async () => {
			const { body } = await this.api.request({
				uri: `/v1/products/${this.product}/customers`,
				method: 'post',
				form: { email: customerEmail, no_password: true, client_id: this.setup.client_id, client_secret: this.setup.client_secret },
			});
			expect(typeof body.access_token === 'string' && body.access_token.length > 0, 'no access_token');
			expect(body.scope === `customer=${customerEmail}`, `scope ${body.scope}`);
		});
		this.customerToken = await step('cloud: customer token', async () => {
			const { body } = await this.api.request({
				uri: '/oauth/token',
				method: 'post',
				form: { grant_type: 'client_credentials', scope: `customer=${customerEmail}`, client_id: this.setup.client_id, client_secret: this.setup.client_secret },
			});
			expect(typeof body.access_token === 'string' && body.access_token.length > 0, 'no access_token');
			expect(body.scope === `customer=${customerEmail}`, `scope ${body.scope}`);
			return body.access_token;
		});
	}

	async claimCode(id) {
		return step(`cloud: claim code for ${id}`, async () => {
			const { body } = await this.api.getClaimCode({ product: this.product, auth: this.customerToken });
			expect(typeof body.claim_code === 'string' && body.claim_code.length > 0, `claim code answer ${JSON.stringify(body)}`);
			expect(Array.isArray(body.device_ids), `device_ids ${JSON.stringify(body.device_ids)}`);
			return body.claim_code;
		});
	}

	// afterSetup runs the device tools' calls on a Photon that came online.
	async afterSetup(id) {
		const device = { deviceId: id, product: this.product, auth: this.token };
		await step(`cloud: product device ${id}`, async () => {
			const { body } = await this.api.getDevice(device);
			expect(body.id === id, `id ${body.id}`);
			expect(body.product_id === this.product, `product_id ${body.product_id}`);
			expect(body.online === true, `online ${body.online}`);
			expect(body.owner === customerEmail, `owner ${body.owner}, want the customer ${customerEmail}`);
		});
		await step(`cloud: variable of ${id}`, async () => {
			const { body } = await this.api.getVariable({ ...device, name: this.setup.variable });
			expect(body.name === this.setup.variable && body.result === this.setup.variable_value, `answered ${JSON.stringify(body)}`);
		});
		await step(`cloud: function of ${id}`, async () => {
			const argument = 'tray 7, ç';
			const { body } = await this.api.callFunction({ ...device, name: this.setup.function, argument });
			expect(body.return_value === Buffer.byteLength(argument) && body.connected === true, `answered ${JSON.stringify(body)}`);
		});
		await step(`cloud: rename ${id}`, async () => {
			const name = `tray-7-${id.slice(-4)}`;
			const { body } = await this.api.renameDevice({ ...device, name });
			expect(body.name === name, `rename answered ${JSON.stringify(body)}`);
			const read = await this.api.getDevice(device);
			expect(read.body.name === name, `the device reads back as ${read.body.name}`);
		});
	}

	async eventStream() {
		await step('cloud: product event stream receives a published event', async () => {
			const stream = await this.api.getEventStream({ product: this.product, auth: this.token });
			try {
				const name = 'realclients/hello';
				const data = 'tray 7 says hello';
				const received = new Promise((resolve, reject) => {
					stream.on('event', (e) => { if (e.name === name) resolve(e); });
					stream.on('disconnect', () => reject(new Error('the stream ended')));
				});
				const { body } = await this.api.publishEvent({ name, data, isPrivate: true, product: this.product, auth: this.token });
				expect(body.ok === true, `publish answered ${JSON.stringify(body)}`);
				const e = await received;
				expect(e.data === data, `event data ${JSON.stringify(e.data)}`);
				expect(typeof e.published_at === 'string', `published_at ${e.published_at}`);
			} finally {
				stream.abort();
			}
		});
	}
}

module.exports = { Cloud };
