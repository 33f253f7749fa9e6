#!/usr/bin/python3
"""Reference PPO on CartPole-v1 in Python/PyTorch, for speed comparison with `lever bench ppo`.

Follows the algorithm and defaults of CleanRL's ppo.py (discrete actions, CartPole-v1):
4 envs x 128 steps, 4 epochs x 4 minibatches, Adam lr 2.5e-4 (eps 1e-5) annealed linearly to 0,
gamma 0.99, GAE lambda 0.95, normalized advantages, clip 0.2 on policy and value, entropy 0.01,
value 0.5, global grad norm 0.5, separate 64-64 tanh actor and critic with orthogonal init.

Gym is not installed here, so CartPole-v1 (Gym's dynamics) and a synchronous vector env with
auto-reset are written below in plain Python/NumPy, stepping one env at a time like
gym.vector.SyncVectorEnv. Not included: TensorBoard writing and per-iteration printing (the
training statistics CleanRL logs are still computed, so the work per update is the same).

Run with Debian's interpreter (python3-torch, python3-numpy):
    /usr/bin/python3 bench/reference/ppo_cartpole.py --total-timesteps 100000 --threads 1
The last line on stdout is one JSON object; steps_per_second = env steps / training-loop seconds.
"""

import argparse
import json
import math
import random
import sys
import time
from collections import deque

import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical


class CartPole:
    """CartPole-v1: Euler integration, reward 1 per step (terminal step included)."""

    gravity = 9.8
    cart_mass = 1.0
    pole_mass = 0.1
    total_mass = cart_mass + pole_mass
    half_length = 0.5
    pole_mass_length = pole_mass * half_length
    force_mag = 10.0
    tau = 0.02
    theta_limit = 12 * 2 * math.pi / 360
    x_limit = 2.4
    max_episode_steps = 500

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.state = None
        self.elapsed = 0

    def reset(self):
        self.state = self.rng.uniform(low=-0.05, high=0.05, size=(4,))
        self.elapsed = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        cos_t = math.cos(theta)
        sin_t = math.sin(theta)
        temp = (force + self.pole_mass_length * theta_dot * theta_dot * sin_t) / self.total_mass
        theta_acc = (self.gravity * sin_t - cos_t * temp) / (
            self.half_length * (4.0 / 3.0 - self.pole_mass * cos_t * cos_t / self.total_mass))
        x_acc = temp - self.pole_mass_length * theta_acc * cos_t / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * x_acc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * theta_acc
        self.state = (x, x_dot, theta, theta_dot)
        self.elapsed += 1
        terminated = bool(x < -self.x_limit or x > self.x_limit or theta < -self.theta_limit
                          or theta > self.theta_limit)
        truncated = (not terminated) and self.elapsed >= self.max_episode_steps
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated


class SyncVectorEnv:
    """Steps each env in turn; a finished env is reset at once and its reset observation returned
    (as gym.vector.SyncVectorEnv does). Also records finished episode returns, like
    RecordEpisodeStatistics."""

    def __init__(self, num_envs, seed):
        self.envs = [CartPole(seed + i) for i in range(num_envs)]
        self.num_envs = num_envs
        self.obs = np.zeros((num_envs, 4), dtype=np.float32)
        self.rewards = np.zeros(num_envs, dtype=np.float32)
        self.terminations = np.zeros(num_envs, dtype=np.bool_)
        self.truncations = np.zeros(num_envs, dtype=np.bool_)
        self.episode_returns = np.zeros(num_envs, dtype=np.float64)
        self.finished_returns = []

    def reset(self):
        for i, env in enumerate(self.envs):
            self.obs[i] = env.reset()
        self.episode_returns[:] = 0.0
        return self.obs.copy()

    def step(self, actions):
        for i, env in enumerate(self.envs):
            obs, reward, terminated, truncated = env.step(int(actions[i]))
            self.episode_returns[i] += reward
            if terminated or truncated:
                self.finished_returns.append(float(self.episode_returns[i]))
                self.episode_returns[i] = 0.0
                obs = env.reset()
            self.obs[i] = obs
            self.rewards[i] = reward
            self.terminations[i] = terminated
            self.truncations[i] = truncated
        return (self.obs.copy(), self.rewards.copy(), self.terminations.copy(),
                self.truncations.copy())


def layer_init(layer, std=math.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):

    def __init__(self, obs_dim, num_actions):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 1), std=1.0))
        self.actor = nn.Sequential(
            layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, num_actions), std=0.01))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--total-timesteps", type=int, default=100000)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--verbose", action="store_true", help="progress on stderr every 10 iterations")
    args = p.parse_args()
    args.num_envs = 4
    args.num_steps = 128
    args.learning_rate = 2.5e-4
    args.anneal_lr = True
    args.gamma = 0.99
    args.gae_lambda = 0.95
    args.num_minibatches = 4
    args.update_epochs = 4
    args.norm_adv = True
    args.clip_coef = 0.2
    args.clip_vloss = True
    args.ent_coef = 0.01
    args.vf_coef = 0.5
    args.max_grad_norm = 0.5
    args.batch_size = args.num_envs * args.num_steps
    args.minibatch_size = args.batch_size // args.num_minibatches
    args.num_iterations = args.total_timesteps // args.batch_size
    if args.num_iterations < 1:
        p.error(f"--total-timesteps must be at least one batch ({args.batch_size})")
    return args


def main():
    args = parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")

    envs = SyncVectorEnv(args.num_envs, args.seed)
    agent = Agent(4, 2).to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)

    obs = torch.zeros((args.num_steps, args.num_envs, 4)).to(device)
    actions = torch.zeros((args.num_steps, args.num_envs)).to(device)
    logprobs = torch.zeros((args.num_steps, args.num_envs)).to(device)
    rewards = torch.zeros((args.num_steps, args.num_envs)).to(device)
    dones = torch.zeros((args.num_steps, args.num_envs)).to(device)
    values = torch.zeros((args.num_steps, args.num_envs)).to(device)

    global_step = 0
    start_time = time.time()
    next_obs = torch.Tensor(envs.reset()).to(device)
    next_done = torch.zeros(args.num_envs).to(device)

    for iteration in range(1, args.num_iterations + 1):
        if args.anneal_lr:
            frac = 1.0 - (iteration - 1.0) / args.num_iterations
            optimizer.param_groups[0]["lr"] = frac * args.learning_rate

        for step in range(args.num_steps):
            global_step += args.num_envs
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            o, r, terminations, truncations = envs.step(action.cpu().numpy())
            rewards[step] = torch.tensor(r).to(device).view(-1)
            next_obs = torch.Tensor(o).to(device)
            next_done = torch.Tensor(np.logical_or(terminations, truncations)).to(device)

        # As in CleanRL, a truncated episode is cut like a terminated one (no bootstrap).
        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages = torch.zeros_like(rewards).to(device)
            last_gae = 0
            for t in reversed(range(args.num_steps)):
                if t == args.num_steps - 1:
                    next_nonterminal = 1.0 - next_done
                    next_values = next_value
                else:
                    next_nonterminal = 1.0 - dones[t + 1]
                    next_values = values[t + 1]
                delta = rewards[t] + args.gamma * next_values * next_nonterminal - values[t]
                advantages[t] = last_gae = (
                    delta + args.gamma * args.gae_lambda * next_nonterminal * last_gae)
            returns = advantages + values

        b_obs = obs.reshape((-1, 4))
        b_logprobs = logprobs.reshape(-1)
        b_actions = actions.reshape(-1)
        b_advantages = advantages.reshape(-1)
        b_returns = returns.reshape(-1)
        b_values = values.reshape(-1)

        b_inds = np.arange(args.batch_size)
        clipfracs = []
        for _ in range(args.update_epochs):
            np.random.shuffle(b_inds)
            for start in range(0, args.batch_size, args.minibatch_size):
                mb = b_inds[start:start + args.minibatch_size]
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(
                    b_obs[mb], b_actions.long()[mb])
                logratio = newlogprob - b_logprobs[mb]
                ratio = logratio.exp()
                with torch.no_grad():
                    old_approx_kl = (-logratio).mean()
                    approx_kl = ((ratio - 1) - logratio).mean()
                    clipfracs += [((ratio - 1.0).abs() > args.clip_coef).float().mean().item()]

                mb_adv = b_advantages[mb]
                if args.norm_adv:
                    mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(
                    -mb_adv * ratio,
                    -mb_adv * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)).mean()

                newvalue = newvalue.view(-1)
                if args.clip_vloss:
                    v_unclipped = (newvalue - b_returns[mb])**2
                    v_clipped = b_values[mb] + torch.clamp(newvalue - b_values[mb],
                                                           -args.clip_coef, args.clip_coef)
                    v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - b_returns[mb])**2).mean()
                else:
                    v_loss = 0.5 * ((newvalue - b_returns[mb])**2).mean()

                entropy_loss = entropy.mean()
                loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef

                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

        # Statistics CleanRL writes to TensorBoard each iteration; computed, not written.
        y_pred, y_true = b_values.cpu().numpy(), b_returns.cpu().numpy()
        var_y = np.var(y_true)
        explained_var = np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y
        sps = int(global_step / (time.time() - start_time))
        if args.verbose and iteration % 10 == 0:
            recent = envs.finished_returns[-10:]
            mean_ret = float(np.mean(recent)) if recent else float("nan")
            print(f"iter {iteration} step {global_step} return(last10) {mean_ret:.1f} "
                  f"v_loss {v_loss.item():.3f} pg_loss {pg_loss.item():.4f} "
                  f"approx_kl {approx_kl.item():.4f} old_kl {old_approx_kl.item():.4f} "
                  f"clipfrac {np.mean(clipfracs):.3f} ev {explained_var:.3f} SPS {sps}",
                  file=sys.stderr)

    seconds = time.time() - start_time
    recent = envs.finished_returns[-10:]
    print(json.dumps({
        "steps_per_second": global_step / seconds,
        "total_steps": global_step,
        "seconds": seconds,
        "final_mean_return_last_10_episodes": float(np.mean(recent)) if recent else None,
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
    }))


if __name__ == "__main__":
    main()
