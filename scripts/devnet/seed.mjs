// placeholder, replaced below
export const seed = {
  name: "seed",
  start() {
    return { ready: Promise.reject(new Error("seeding is not implemented yet")), stop: async () => {} };
  },
};
