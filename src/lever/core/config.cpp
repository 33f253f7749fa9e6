#include "lever/core/config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "lever/core/errors.h"
#include "lever/core/reference_config.h"
#include "lever/core/text.h"
#include "lever/core/yaml_json.h"

namespace lever {
namespace {

using nlohmann::json;
using Type = ConfigType;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Reads as a table: Key("ppo", "gamma", Type::kFloat, 0.99).range(0, 1).doc("...").
class Key {
 public:
  Key(const char* section, const char* name, Type type, json default_value) {
    key_.section = section;
    key_.name = name;
    key_.type = type;
    key_.default_value = std::move(default_value);
  }
  Key& doc(const char* text) {
    key_.doc = text;
    return *this;
  }
  Key& aliases(std::vector<std::string> names) {
    key_.aliases = std::move(names);
    return *this;
  }
  Key& range(double min, double max) {
    key_.min = min;
    key_.max = max;
    return *this;
  }
  Key& at_least(double min) { return range(min, kInf); }
  Key& above(double min) {
    key_.min_exclusive = true;
    return range(min, kInf);
  }
  Key& above_up_to(double min, double max) {
    key_.min_exclusive = true;
    return range(min, max);
  }
  Key& choices(std::vector<std::string> values) {
    key_.choices = std::move(values);
    return *this;
  }
  operator ConfigKey() const { return key_; }

 private:
  ConfigKey key_;
};

std::vector<ConfigKey> build_schema() {
  return {
      Key("run", "env", Type::kString, "cartpole").doc("Environment id; `lever envs` lists them."),
      Key("run", "seed", Type::kInt, 1)
          .range(0, 2147483647)
          .doc("Seed of the run; every random number generator in it derives from this."),
      Key("run", "device", Type::kString, "auto")
          .choices({"cpu", "cuda", "auto"})
          .doc("Where the network runs; `auto` = CUDA when available and the observations are "
               "images, else CPU."),
      Key("run", "total_steps", Type::kInt, 1000000)
          .at_least(1)
          .doc("Env steps to train for, summed over all training envs."),
      Key("run", "torch_threads", Type::kInt, 1)
          .range(0, 256)
          .doc("LibTorch intra-op threads; 0 = LibTorch's default."),
      Key("run", "num_threads", Type::kInt, 0)
          .range(0, 1024)
          .doc("Threads stepping the envs; 0 = the number of cores."),
      Key("run", "checkpoint_every", Type::kInt, 20)
          .at_least(0)
          .doc("Updates between checkpoints; 0 = only the final one."),
      Key("run", "description", Type::kString, "")
          .doc("Free text kept with the run, for your own notes."),

      Key("env", "num_envs", Type::kInt, 8)
          .aliases({"n_workers"})
          .range(1, 65536)
          .doc("Training envs stepped in parallel."),
      Key("env", "num_levels", Type::kInt, 0)
          .at_least(0)
          .doc("Distinct training levels of procedurally generated envs; 0 = unlimited."),
      Key("env", "start_level", Type::kInt, 0)
          .at_least(0)
          .doc("First level seed; training levels are [start_level, start_level + num_levels)."),
      Key("env", "max_episode_steps", Type::kInt, 0)
          .at_least(0)
          .doc("Truncate episodes after this many steps; 0 = the env's own time limit."),
      Key("env", "distribution_mode", Type::kString, "easy")
          .choices({"easy", "hard", "extreme"})
          .doc("Procgen games: level difficulty (extreme only where Procgen has it: starpilot, "
               "chaser). Ignored by envs without the option."),
      Key("env", "use_backgrounds", Type::kBool, true)
          .doc("Procgen games: draw backgrounds (false: black)."),
      Key("env", "restrict_themes", Type::kBool, false)
          .doc("Procgen games: always use colour theme 0."),
      Key("env", "paint_vel_info", Type::kBool, false)
          .doc("Procgen games: paint the agent's velocity as two grey squares at the top left."),
      Key("env", "center_agent", Type::kBool, true)
          .doc("Procgen games with a camera (coinrun): follow the agent; false shows the whole "
               "world."),
      Key("env", "use_sequential_levels", Type::kBool, false)
          .doc("Procgen games: a completed level continues into the next (seed + 997) instead of "
               "ending the episode."),
      Key("env", "env_options", Type::kObject, json::object())
          .doc("Options handed to the env as given, e.g. {\"arena_size\": 4} for "
               "mortar_mayhem (`lever envs` lists every env's options and defaults); the env "
               "checks names and values when it is made. For envs whose options are also keys "
               "here (Procgen's, minigrid_memory's) either way works."),
      Key("env", "minigrid_size", Type::kInt, 9)
          .range(7, 101)
          .doc("minigrid_memory: the grid's side (MiniGrid's MemoryS9 = 9, MemoryS17Random = "
               "17); odd."),
      Key("env", "minigrid_random_length", Type::kBool, false)
          .doc("minigrid_memory: draw the corridor's length at random each episode (MiniGrid's "
               "*Random variants)."),
      Key("env", "frame_skip", Type::kInt, 4)
          .range(1, 100)
          .doc("Arcade games (breakout, pong): emulated frames per agent step, the action "
               "repeated; the observation is the max over the last two."),
      Key("env", "noop_max", Type::kInt, 30)
          .range(0, 10000)
          .doc("Arcade games: each episode starts with a uniform number in [1, noop_max] of "
               "no-op frames (emulated frames, as Gymnasium and SB3; DQN's no-op starts); 0 = "
               "none."),
      Key("env", "sticky_action_prob", Type::kFloat, 0.0)
          .range(0, 0.999)
          .doc("Arcade games: per emulated frame, the previous action repeats with this "
               "probability (Machado et al.'s sticky actions; ALE v5 uses 0.25)."),
      Key("env", "frame_stack", Type::kInt, 4)
          .range(1, 64)
          .doc("Arcade games: frames in each observation (the last axis), oldest first; "
               "zero-filled at an episode's start."),
      Key("env", "screen_size", Type::kInt, 84)
          .range(8, 1024)
          .doc("Arcade games: side of the square grey observation frames (area-averaged from "
               "210×160)."),
      Key("env", "fire_reset", Type::kBool, true)
          .doc("Arcade games with a FIRE action: press it once after the no-ops at each reset, "
               "as SB3's FireResetEnv (Breakout waits for FIRE to serve)."),
      Key("env", "minatar_sticky_action_prob", Type::kFloat, 0.1)
          .range(0, 0.999)
          .doc("minatar_breakout: probability that the previous action repeats (MinAtar's "
               "default 0.1)."),

      Key("ppo", "policy", Type::kString, "ppo")
          .choices({"ppo", "trpo", "recurrent_ppo", "dqn"})
          .doc("Policy optimiser: ppo (clipped surrogate), trpo (KL-constrained natural "
               "gradient step; its value function uses learning_rate, num_epochs and "
               "minibatch_size), recurrent_ppo (PPO with a GRU/LSTM policy trained by "
               "truncated back-propagation through time; see the recurrence section) or dqn "
               "(deep Q-learning from a replay buffer; see the dqn section, which also lists "
               "the defaults dqn changes)."),
      Key("ppo", "num_updates", Type::kInt, 0)
          .aliases({"updates"})
          .at_least(0)
          .doc("Updates to train for; 0 = total_steps / (num_envs × num_steps). When set it "
               "wins over total_steps."),
      Key("ppo", "num_steps", Type::kInt, 128)
          .aliases({"worker_steps"})
          .range(1, 1000000)
          .doc("Rollout length per env; an update learns from num_envs × num_steps transitions. "
               "dqn: env steps per env between two rows of metrics (an iteration; eval_every "
               "and checkpoint_every count iterations)."),
      Key("ppo", "num_epochs", Type::kInt, 4)
          .aliases({"update_epochs", "epochs"})
          .range(1, 1000)
          .doc("Passes over each rollout per update."),
      Key("ppo", "minibatch_size", Type::kInt, 128)
          .aliases({"batch_size"})
          .at_least(1)
          .doc("Transitions per gradient step; must divide num_envs × num_steps. Ignored when "
               "num_minibatches is set."),
      Key("ppo", "num_minibatches", Type::kInt, 0)
          .aliases({"n_mini_batch"})
          .at_least(0)
          .doc("Minibatches per epoch; 0 = num_envs × num_steps / minibatch_size. ppo and trpo "
               "need it to divide num_envs × num_steps; recurrent_ppo splits its sequences "
               "into this many minibatches."),
      Key("ppo", "learning_rate", Type::kFloat, 2.5e-4)
          .aliases({"lr"})
          .above_up_to(0, 1)
          .doc("Adam's learning rate; the starting value when anneal_lr is on."),
      Key("ppo", "anneal_lr", Type::kBool, true)
          .doc("Decay the learning rate linearly to 0 over total_steps (unless "
               "learning_rate_decay_updates sets a polynomial schedule)."),
      Key("ppo", "learning_rate_final", Type::kFloat, 0.0)
          .range(0, 1)
          .doc("Polynomial schedule: the learning rate after learning_rate_decay_updates "
               "updates. Update u (from 0) uses (initial − final)(1 − u/T)^power + final, and "
               "final once u > T."),
      Key("ppo", "learning_rate_power", Type::kFloat, 1.0)
          .above(0)
          .doc("Polynomial schedule: the power of the learning rate's decay."),
      Key("ppo", "learning_rate_decay_updates", Type::kInt, 0)
          .at_least(0)
          .doc("Polynomial schedule: T, the updates over which the learning rate decays from "
               "learning_rate to learning_rate_final; 0 = no polynomial schedule."),
      Key("ppo", "optimizer", Type::kString, "adam")
          .choices({"adam", "adamw", "rmsprop", "rmsprop_deepmind"})
          .doc("adam; adamw (decoupled weight decay, as PyTorch's AdamW; the recurrent PPO "
               "reference uses it); rmsprop (PyTorch's RMSprop: ε outside the square root); "
               "rmsprop_deepmind (the Nature DQN's centred RMSProp with ε inside the square "
               "root: Δw = lr·g/√(E[g²] − E[g]² + ε))."),
      Key("ppo", "weight_decay", Type::kFloat, 0.01)
          .range(0, 1)
          .doc("AdamW's decoupled weight decay (PyTorch's default 0.01); only with optimizer "
               "adamw."),
      Key("ppo", "adam_eps", Type::kFloat, 1e-5).above_up_to(0, 1).doc("Adam's epsilon."),
      Key("ppo", "rmsprop_alpha", Type::kFloat, 0.95)
          .range(0, 0.9999)
          .doc("rmsprop and rmsprop_deepmind: decay of the running means of g and g² (the Nature "
               "DQN's 0.95; PyTorch's default is 0.99)."),
      Key("ppo", "rmsprop_eps", Type::kFloat, 0.01)
          .above_up_to(0, 1)
          .doc("rmsprop and rmsprop_deepmind: ε (the Nature DQN's min squared gradient 0.01; "
               "PyTorch's default is 1e-8)."),
      Key("ppo", "rmsprop_centered", Type::kBool, false)
          .doc("rmsprop: divide by the gradient's running variance instead of its running "
               "second moment (rmsprop_deepmind always does)."),
      Key("ppo", "gamma", Type::kFloat, 0.99).range(0, 1).doc("Discount factor."),
      Key("ppo", "gae_lambda", Type::kFloat, 0.95)
          .aliases({"lamda"})
          .range(0, 1)
          .doc("λ of generalised advantage estimation."),
      Key("ppo", "clip_coef", Type::kFloat, 0.2)
          .aliases({"eps"})
          .above(0)
          .doc("PPO's clip range ε for the probability ratio, and for the value loss when "
               "clip_vloss is on."),
      Key("ppo", "clip_coef_final", Type::kFloat, 0.2)
          .above(0)
          .doc("Polynomial schedule: the clip range after clip_coef_decay_updates updates."),
      Key("ppo", "clip_coef_power", Type::kFloat, 1.0)
          .above(0)
          .doc("Polynomial schedule: the power of the clip range's decay."),
      Key("ppo", "clip_coef_decay_updates", Type::kInt, 0)
          .at_least(0)
          .doc("Polynomial schedule: updates over which clip_coef decays to clip_coef_final; 0 "
               "= constant."),
      Key("ppo", "clip_vloss", Type::kBool, true)
          .doc("Clip the value loss around the rollout's value predictions, as CleanRL."),
      Key("ppo", "norm_adv", Type::kBool, true).doc("Normalise advantages within each minibatch."),
      Key("ppo", "ent_coef", Type::kFloat, 0.01)
          .aliases({"entropy_coef"})
          .at_least(0)
          .doc("Weight of the entropy bonus (the recurrent PPO reference's β)."),
      Key("ppo", "ent_coef_final", Type::kFloat, 0.0)
          .at_least(0)
          .doc("Polynomial schedule: the entropy weight after ent_coef_decay_updates updates."),
      Key("ppo", "ent_coef_power", Type::kFloat, 1.0)
          .above(0)
          .doc("Polynomial schedule: the power of the entropy weight's decay."),
      Key("ppo", "ent_coef_decay_updates", Type::kInt, 0)
          .at_least(0)
          .doc("Polynomial schedule: updates over which ent_coef decays to ent_coef_final; 0 = "
               "constant."),
      Key("ppo", "vf_coef", Type::kFloat, 0.5)
          .aliases({"value_coef"})
          .at_least(0)
          .doc("Weight of the value loss, which is ½ × the (clipped) squared error as in CleanRL."),
      Key("ppo", "max_grad_norm", Type::kFloat, 0.5)
          .aliases({"grad_eps"})
          .at_least(0)
          .doc("Clip the global gradient norm to this; 0 = no clipping."),
      Key("ppo", "target_kl", Type::kFloat, 0.0)
          .at_least(0)
          .doc("Stop an update's epochs early when the approximate KL exceeds this; 0 = never."),
      Key("ppo", "beta", Type::kFloat, 0.0)
          .at_least(0)
          .doc("Coefficient of a KL(old‖new) penalty added to the PPO loss, as in the levers "
               "study; 0 = no penalty."),
      Key("ppo", "normalize_reward", Type::kBool, false)
          .doc("Divide rewards by the running std of the discounted return, as train-procgen."),
      Key("ppo", "reward_scale", Type::kFloat, 1.0)
          .above(0)
          .doc("Multiply training rewards by this before the update (the recurrent PPO "
               "reference divides CartPole's by 100); returns are logged unscaled."),

      Key("trpo", "max_kl", Type::kFloat, 0.01)
          .above_up_to(0, 10)
          .doc("TRPO's trust region δ: the largest mean KL(old‖new) an update may take."),
      Key("trpo", "cg_iters", Type::kInt, 10)
          .range(1, 1000)
          .doc("Conjugate-gradient iterations solving F x = g for the step direction."),
      Key("trpo", "cg_damping", Type::kFloat, 0.1)
          .at_least(0)
          .doc("Damping λ added to the Fisher matrix: products are (F + λI) v."),
      Key("trpo", "cg_residual_tol", Type::kFloat, 1e-10)
          .at_least(0)
          .doc("Conjugate gradient stops early once the squared residual rᵀr is below this."),
      Key("trpo", "line_search_steps", Type::kInt, 10)
          .range(1, 100)
          .doc("Most backtracking steps; each shrinks the step by line_search_shrink."),
      Key("trpo", "line_search_shrink", Type::kFloat, 0.5)
          .above_up_to(0, 0.99)
          .doc("Factor applied to the step at each backtracking step."),
      Key("trpo", "fisher_subsample", Type::kInt, 5)
          .range(1, 1000)
          .doc("Fisher-vector products use every k-th transition of the rollout, as OpenAI "
               "baselines (5); 1 = all."),

      Key("network", "encoder", Type::kString, "mlp")
          .choices({"mlp", "nature", "impala", "minatar"})
          .doc("Observation encoder: mlp (flat vectors), nature (Nature CNN) or impala (IMPALA "
               "CNN) for images, minatar (MinAtar's conv 16 3×3 stride 1, then dense) for "
               "10×10 MinAtar grids."),
      Key("network", "impala_channels", Type::kIntList, json::array({16, 32, 32}))
          .range(1, 1024)
          .doc("Channels of the IMPALA CNN's stacks (conv 3x3, max-pool 3x3 s2, two residual "
               "blocks each)."),
      Key("network", "hidden_sizes", Type::kIntList, json::array({64, 64}))
          .range(1, 65536)
          .doc("Widths of the MLP's hidden layers, input side first."),
      Key("network", "activation", Type::kString, "tanh")
          .choices({"tanh", "relu"})
          .doc("Activation after each hidden layer of the MLP."),
      Key("network", "shared_network", Type::kBool, false)
          .doc("false = separate actor and critic MLPs, as CleanRL; true = one trunk with two "
               "heads."),
      Key("network", "feature_dim", Type::kInt, 256)
          .range(0, 65536)
          .doc("Output width of the pixel encoders' dense layer; 0 = no dense layer (the "
               "flattened conv output, as the recurrent PPO reference feeds its recurrent "
               "layer). The MLP's widths are hidden_sizes."),
      Key("network", "hidden_layer_size", Type::kInt, 128)
          .range(1, 65536)
          .doc("recurrent_ppo: width of the hidden layer after the recurrent layer and of each "
               "head's hidden layer."),

      Key("recurrence", "layer_type", Type::kString, "gru")
          .choices({"gru", "lstm"})
          .doc("recurrent_ppo: the recurrent layer."),
      Key("recurrence", "hidden_state_size", Type::kInt, 64)
          .range(1, 65536)
          .doc("recurrent_ppo: width of the recurrent layer's hidden (and cell) state."),
      Key("recurrence", "sequence_length", Type::kInt, 8)
          .range(-1, 1000000)
          .doc("recurrent_ppo: steps per training sequence (truncated BPTT); ≤ 0 = whole "
               "episodes."),
      Key("recurrence", "reset_hidden_state", Type::kBool, true)
          .doc("recurrent_ppo: zero the hidden state when an episode starts; false carries it "
               "across episodes."),

      Key("dqn", "buffer_size", Type::kInt, 1000000)
          .aliases({"replay_memory", "replay_capacity"})
          .range(1, int64_t{1} << 40)
          .doc("dqn: replay buffer capacity in transitions (allocated once at start; stacked "
               "frames are stored once each)."),
      Key("dqn", "replay_compress", Type::kString, "none")
          .choices({"none", "lz4"})
          .doc("dqn: lz4 compresses each stored frame (Atari frames shrink ~15x; see "
               "docs/PERFORMANCE.md) into an arena sized by replay_compress_ratio."),
      Key("dqn", "replay_compress_ratio", Type::kFloat, 4.0)
          .range(1, 1000)
          .doc("dqn with replay_compress lz4: the compression the arena is sized for (buffer_size "
               "× frame bytes / ratio); frames that compress worse push the oldest out early "
               "(charts/replay_size shows how many remain)."),
      Key("dqn", "learning_starts", Type::kInt, 50000)
          .aliases({"replay_start_size", "learn_start"})
          .at_least(0)
          .doc("dqn: agent steps of ε-greedy play (summed over envs) before the first update."),
      Key("dqn", "train_frequency", Type::kInt, 4)
          .aliases({"train_freq", "update_freq"})
          .range(1, 1000000)
          .doc("dqn: agent steps (summed over envs) between gradient updates."),
      Key("dqn", "gradient_steps", Type::kInt, 1)
          .range(1, 1000)
          .doc("dqn: gradient steps at each update."),
      Key("dqn", "target_update_interval", Type::kInt, 10000)
          .aliases({"target_network_frequency", "target_q"})
          .range(1, int64_t{1} << 40)
          .doc("dqn: agent steps (summed over envs, as DeepMind's target_q) between target "
               "network updates."),
      Key("dqn", "tau", Type::kFloat, 1.0)
          .above_up_to(0, 1)
          .doc("dqn: target update θ' ← τθ + (1 − τ)θ'; 1 = hard copy."),
      Key("dqn", "exploration_initial_eps", Type::kFloat, 1.0)
          .aliases({"start_e"})
          .range(0, 1)
          .doc("dqn: ε of ε-greedy at the start."),
      Key("dqn", "exploration_final_eps", Type::kFloat, 0.1)
          .aliases({"end_e"})
          .range(0, 1)
          .doc("dqn: ε after the linear decay."),
      Key("dqn", "exploration_fraction", Type::kFloat, 0.1)
          .above_up_to(0, 1)
          .doc("dqn: fraction of total_steps over which ε decays linearly."),
      Key("dqn", "eval_epsilon", Type::kFloat, 0.05)
          .aliases({"eval_eps"})
          .range(0, 1)
          .doc("dqn: ε of evaluation episodes (eval_deterministic = greedy)."),
      Key("dqn", "double_dqn", Type::kBool, false)
          .doc("dqn: the online network picks the next action, the target network values it "
               "(van Hasselt et al. 2016)."),
      Key("dqn", "td_loss", Type::kString, "huber")
          .choices({"huber", "mse"})
          .doc("dqn: huber (smooth L1 with δ = 1: the Nature DQN's TD-error clipping) or mse."),
      Key("dqn", "clip_reward", Type::kBool, true)
          .doc("dqn: train on sign(reward) ∈ {−1, 0, 1}, as the Nature DQN; returns are logged "
               "unclipped."),
      Key("dqn", "terminal_on_life_loss", Type::kBool, true)
          .doc("dqn: a lost life ends the transition as terminal (no bootstrap) in games with "
               "lives; the episode itself goes on. Machado et al. 2018 advise false."),

      Key("eval", "eval_every", Type::kInt, 10)
          .at_least(0)
          .doc("Updates between evaluations; 0 = only at the end."),
      Key("eval", "eval_episodes", Type::kInt, 10).at_least(1).doc("Episodes per evaluation."),
      Key("eval", "eval_num_envs", Type::kInt, 8)
          .range(1, 4096)
          .doc("Envs stepped in parallel during evaluation."),
      Key("eval", "eval_deterministic", Type::kBool, false)
          .doc("Take argmax actions instead of sampling."),
      Key("eval", "eval_protocol", Type::kString, "episodes")
          .choices({"episodes", "one_per_env"})
          .doc("episodes: eval_episodes full episodes spread evenly over the eval envs (as SB3); "
               "one_per_env: each of eval_num_envs envs plays exactly one full episode (the "
               "levers study)."),
  };
}

struct SectionInfo {
  const char* name;
  const char* summary;
};

const SectionInfo kSections[] = {
    {"run", "What to train, for how long, on which device."},
    {"env", "The training environments."},
    {"ppo", "The policy update: PPO's, and the keys TRPO and DQN share with it."},
    {"trpo", "TRPO's natural-gradient step (policy trpo)."},
    {"network", "The actor-critic network."},
    {"recurrence", "The recurrent layer of policy recurrent_ppo, trained by truncated BPTT."},
    {"dqn",
     "Deep Q-learning (policy dqn). With policy dqn, keys the config leaves unset take DQN's "
     "defaults instead (CleanRL's dqn_atari and SB3's DQN): num_envs 1, num_steps 1000, "
     "minibatch_size 32, learning_rate 1e-4, anneal_lr false, adam_eps 1e-8, max_grad_norm 10, "
     "feature_dim 512, hidden_sizes [120, 84], activation relu, eval_every 25, "
     "checkpoint_every 25."},
    {"eval", "Evaluation of the policy during and after training."},
};

// Keys as the levers study's configs spell them; each is a lever key or an alias of one.
const char* const kLeversStudyKeys[] = {
    "total_steps", "num_envs", "num_levels", "num_steps",  "num_epochs",
    "batch_size",  "eps",      "grad_eps",   "value_coef", "entropy_coef",
    "feature_dim", "policy",   "encoder",    "beta",       "lr",
};

// Name (canonical or alias) -> index into config_schema(), and the names in suggestion order.
struct SchemaIndex {
  std::map<std::string, size_t> canonical;
  std::map<std::string, size_t> any_name;
  std::vector<std::string> suggestions;
};

const SchemaIndex& schema_index() {
  static const SchemaIndex index = [] {
    SchemaIndex built;
    const auto& schema = config_schema();
    for (size_t i = 0; i < schema.size(); ++i) {
      built.canonical[schema[i].name] = i;
      built.any_name[schema[i].name] = i;
      built.suggestions.push_back(schema[i].name);
    }
    for (size_t i = 0; i < schema.size(); ++i) {
      for (const std::string& alias : schema[i].aliases) {
        built.any_name[alias] = i;
        built.suggestions.push_back(alias);
      }
    }
    return built;
  }();
  return index;
}

std::string compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

size_t resolve_name(const std::string& name, const std::string& source) {
  const auto& index = schema_index();
  const auto found = index.any_name.find(name);
  if (found != index.any_name.end()) return found->second;
  const std::string suggestion = did_you_mean(name, index.suggestions);
  throw ConfigError(
      source + ": unknown key '" + name + "' " +
      (suggestion.empty() ? "(see docs/CONFIG.md)" : "(did you mean '" + suggestion + "'?)"));
}

const char* type_phrase(Type type) {
  switch (type) {
    case Type::kInt:
      return "an integer";
    case Type::kFloat:
      return "a number";
    case Type::kBool:
      return "a boolean";
    case Type::kString:
      return "a string";
    case Type::kIntList:
      return "a list of integers";
    case Type::kObject:
      return "an object of names and values";
  }
  return "?";
}

const char* type_name(Type type) {
  switch (type) {
    case Type::kInt:
      return "int";
    case Type::kFloat:
      return "float";
    case Type::kBool:
      return "bool";
    case Type::kString:
      return "string";
    case Type::kIntList:
      return "int list";
    case Type::kObject:
      return "object";
  }
  return "?";
}

bool has_range(const ConfigKey& key) { return std::isfinite(key.min) || std::isfinite(key.max); }

// "in [0, 1]", "in (0, 1]", "≥ 0", "> 0" or "≤ 10": what follows "must be".
std::string range_phrase(const ConfigKey& key) {
  const bool has_min = std::isfinite(key.min);
  const bool has_max = std::isfinite(key.max);
  if (has_min && has_max) {
    return std::string("in ") + (key.min_exclusive ? "(" : "[") + format_number(key.min) + ", " +
           format_number(key.max) + "]";
  }
  if (has_min) return (key.min_exclusive ? "> " : "≥ ") + format_number(key.min);
  return "≤ " + format_number(key.max);
}

bool in_range(const ConfigKey& key, double value) {
  if (value < key.min || (key.min_exclusive && value == key.min)) return false;
  return value <= key.max;
}

// JSON keeps 2e6 as a float; an integer key accepts it because its value is integral.
bool integral_value(const json& value, int64_t* out) {
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return false;
    }
    *out = static_cast<int64_t>(value.get<uint64_t>());
    return true;
  }
  if (value.is_number_integer()) {
    *out = value.get<int64_t>();
    return true;
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63 is exactly representable; anything at or beyond it does not fit an int64_t.
    if (d != std::floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
      return false;
    }
    *out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

// The value in its canonical JSON form (ints as integers, floats as doubles), or ConfigError
// naming the key as the file does when that is not its canonical name ('recurrence.layer_type').
json normalize(const ConfigKey& key, const json& value, const std::string& source,
               const std::string& given_as = "") {
  const std::string where =
      source + ": key '" + (given_as.empty() ? key.name : given_as) + "' must be ";
  const auto wrong_type = [&]() {
    return ConfigError(where + type_phrase(key.type) + ", got " + compact(value));
  };
  const auto check_range = [&](double number) {
    if (!in_range(key, number)) {
      throw ConfigError(where + range_phrase(key) + ", got " + compact(value));
    }
  };
  switch (key.type) {
    case Type::kInt: {
      int64_t integer = 0;
      if (!integral_value(value, &integer)) throw wrong_type();
      check_range(static_cast<double>(integer));
      return integer;
    }
    case Type::kFloat: {
      if (!value.is_number()) throw wrong_type();
      const double number = value.get<double>();
      check_range(number);
      return number;
    }
    case Type::kBool:
      if (!value.is_boolean()) throw wrong_type();
      return value;
    case Type::kString: {
      if (!value.is_string()) throw wrong_type();
      const auto& text = value.get_ref<const std::string&>();
      if (!key.choices.empty() &&
          std::find(key.choices.begin(), key.choices.end(), text) == key.choices.end()) {
        throw ConfigError(where + "one of " + join(key.choices, ", ") + "; got " + compact(value));
      }
      return value;
    }
    case Type::kIntList: {
      if (!value.is_array()) throw wrong_type();
      if (value.empty()) throw ConfigError(where + "a non-empty list of integers, got []");
      json list = json::array();
      for (const json& element : value) {
        int64_t integer = 0;
        if (!integral_value(element, &integer)) throw wrong_type();
        if (!in_range(key, static_cast<double>(integer))) {
          throw ConfigError(where + "a list of integers each " + range_phrase(key) + ", got " +
                            compact(value));
        }
        list.push_back(integer);
      }
      return list;
    }
    case Type::kObject:
      if (!value.is_object()) throw wrong_type();
      return value;
  }
  throw std::logic_error("config: unhandled key type");
}

void check_reserved(const json& value, const std::string& source) {
  if (!value.is_object()) {
    throw ConfigError(source + ": key '" + std::string(kReservedMetadataKey) +
                      "' is reserved for run metadata and must be an object, got " +
                      compact(value));
  }
}

// What policy dqn changes when the config leaves the key unset: PPO's defaults would make a poor
// DQN (a minibatch of 128, gradients clipped at 0.5, eight envs).
const std::pair<const char*, json> kDqnDefaults[] = {
    {"num_envs", 1},         {"num_steps", 1000},  {"minibatch_size", 32},
    {"learning_rate", 1e-4}, {"anneal_lr", false}, {"adam_eps", 1e-8},
    {"max_grad_norm", 10.0}, {"feature_dim", 512}, {"hidden_sizes", json::array({120, 84})},
    {"activation", "relu"},  {"eval_every", 25},   {"checkpoint_every", 25},
};

}  // namespace

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> schema = build_schema();
  return schema;
}

Config::Config()
    : values_(json::object()),
      sources_(config_schema().size(), "defaults"),
      set_order_(config_schema().size(), 0) {
  for (const ConfigKey& key : config_schema()) values_[key.name] = key.default_value;
}

Config Config::defaults() { return Config(); }

Config Config::load_file(const std::filesystem::path& path,
                         const std::vector<std::string>& overrides) {
  return from_json(read_file(path), path.string(), overrides);
}

json Config::read_file(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::error_code error;
  std::ifstream in(path, std::ios::binary);
  if (std::filesystem::is_directory(path, error) || !in) {
    throw ConfigError(source + ": cannot read config file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(source + ": cannot read config file");

  if (is_yaml_path(path)) {
    const json parsed = yaml_to_json(text.str(), source);
    if (!parsed.is_object()) {
      throw ConfigError(source + ": top level must be a YAML mapping (key: value lines)");
    }
    if (is_section_file(parsed)) {
      std::vector<std::string> sections;
      for (const auto& [name, value] : parsed.items()) sections.push_back(name);
      throw ConfigError(source + ": a file of sections (" + join(sections, ", ") +
                        ") is a train-procgen hyperparameter file; `lever train " + source +
                        " --param_name SECTION` reads one");
    }
    return parsed;
  }

  // nlohmann keeps the last of two equal keys silently; a config that says num_envs twice is a
  // mistake the user should hear about.
  std::set<std::string> seen;
  std::string duplicate;
  const json::parser_callback_t find_duplicates = [&](int depth, json::parse_event_t event,
                                                      json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && duplicate.empty() &&
        !seen.insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json parsed;
  try {
    parsed = json::parse(text.str(), find_duplicates);
  } catch (const json::parse_error& e) {
    throw ConfigError(source + ": invalid JSON: " + e.what());
  }
  if (parsed.is_object() && !duplicate.empty()) {
    throw ConfigError(source + ": key '" + duplicate + "' appears twice");
  }
  if (!parsed.is_object()) throw ConfigError(source + ": top level must be a JSON object");
  return parsed;
}

Config Config::from_json(const json& j, const std::string& source,
                         const std::vector<std::string>& overrides) {
  if (!j.is_object()) throw ConfigError(source + ": top level must be a JSON object");
  const ReferenceTranslation reference = translate_reference_keys(j, source);
  Config config;
  std::map<size_t, std::string> given_as;
  for (const auto& [name, value] : reference.rest.items()) {
    if (name == kReservedMetadataKey) {
      check_reserved(value, source);
      continue;
    }
    if (name == kPbtSectionKey) continue;  // read by `lever pbt` (pbt/settings.h)
    const size_t index = resolve_name(name, source);
    const auto [earlier, inserted] = given_as.emplace(index, name);
    if (!inserted) {
      // Name the alias first: "keys 'lr' and 'learning_rate'".
      std::string first = earlier->second;
      std::string second = name;
      if (first == config_schema()[index].name) std::swap(first, second);
      throw ConfigError(source + ": keys '" + first + "' and '" + second +
                        "' name the same setting; give one");
    }
    config.apply(name, value, source);
  }
  for (const ReferenceSetting& setting : reference.settings) {
    config.apply_reference(setting, source);
  }
  for (const std::string& override_text : overrides) config.apply_override(override_text, "--set");
  config.apply_policy_defaults();
  config.check_cross_key();
  return config;
}

void Config::set(const std::string& key_equals_value, const std::string& source) {
  Config updated = *this;
  updated.apply_override(key_equals_value, source);
  updated.apply_policy_defaults();
  updated.check_cross_key();
  *this = std::move(updated);
}

void Config::apply_override(const std::string& key_equals_value, const std::string& source) {
  const size_t equals = key_equals_value.find('=');
  const std::string name =
      equals == std::string::npos ? "" : std::string(trim(key_equals_value.substr(0, equals)));
  if (name.empty()) {
    throw ConfigError(source + ": expected key=value, got '" + key_equals_value + "'");
  }
  const std::string text = key_equals_value.substr(equals + 1);
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (name == kReservedMetadataKey) {
    check_reserved(value.is_discarded() ? json(text) : value, source);
    return;
  }
  const ConfigKey& key = config_schema()[resolve_name(name, source)];
  // A string key takes the text as written, so `--set description=2024` stays the text "2024".
  if (value.is_discarded() || (key.type == Type::kString && !value.is_string())) value = text;
  apply(name, value, source);
}

void Config::apply(const std::string& name, const json& value, const std::string& source) {
  const size_t index = resolve_name(name, source);
  const ConfigKey& key = config_schema()[index];
  values_[key.name] = normalize(key, value, source);
  sources_[index] = source;
  set_order_[index] = ++next_order_;
}

void Config::apply_reference(const ReferenceSetting& setting, const std::string& source) {
  const auto& index = schema_index().canonical;
  const auto found = index.find(setting.key);
  if (found == index.end()) {
    throw std::logic_error("config: the reference's keys name no key '" + setting.key + "'");
  }
  const ConfigKey& key = config_schema()[found->second];
  json value = normalize(key, setting.value, source, setting.given_as);
  if (setting.scale != 1.0) value = value.get<double>() * setting.scale;
  values_[key.name] = value;
  sources_[found->second] = source;
  set_order_[found->second] = ++next_order_;
}

const std::string& Config::source_of(const std::string& key) const {
  const auto& index = schema_index().canonical;
  const auto found = index.find(key);
  if (found == index.end()) throw std::logic_error("config: no key '" + key + "'");
  return sources_[found->second];
}

void Config::apply_policy_defaults() {
  const bool dqn = values_.at("policy").get<std::string>() == "dqn";
  const auto& index = schema_index().canonical;
  for (const auto& [name, value] : kDqnDefaults) {
    const size_t i = index.at(name);
    if (set_order_[i] != 0) continue;  // the config or --set chose it
    values_[name] = dqn ? value : config_schema()[i].default_value;
    sources_[i] = dqn ? "dqn defaults" : "defaults";
  }
}

void Config::check_cross_key() const {
  const auto& index = schema_index().canonical;
  // Blame whichever source changed one of the keys last.
  const auto blame = [&](std::initializer_list<const char*> names) {
    std::string source = "defaults";
    int latest = -1;
    for (const char* name : names) {
      const size_t i = index.at(name);
      if (set_order_[i] > latest) {
        latest = set_order_[i];
        source = sources_[i];
      }
    }
    return source;
  };
  if (values_.at("minigrid_size").get<int64_t>() % 2 == 0) {
    throw ConfigError(blame({"minigrid_size"}) + ": key 'minigrid_size' must be odd, got " +
                      std::to_string(values_.at("minigrid_size").get<int64_t>()));
  }
  // DQN samples its minibatches from the replay buffer: no rollout for them to divide.
  if (values_.at("policy").get<std::string>() == "dqn") return;
  const int64_t batch =
      values_.at("num_envs").get<int64_t>() * values_.at("num_steps").get<int64_t>();
  const int64_t minibatches = values_.at("num_minibatches").get<int64_t>();
  if (minibatches > 0) {
    // recurrent_ppo splits sequences, not transitions, so any count works for it.
    if (values_.at("policy").get<std::string>() == "recurrent_ppo" || batch % minibatches == 0) {
      return;
    }
    throw ConfigError(blame({"num_minibatches", "num_envs", "num_steps", "policy"}) +
                      ": key 'num_minibatches' (" + std::to_string(minibatches) +
                      ") must divide num_envs × num_steps (= " + std::to_string(batch) + ")");
  }
  const int64_t minibatch = values_.at("minibatch_size").get<int64_t>();
  if (batch % minibatch == 0) return;
  throw ConfigError(blame({"minibatch_size", "num_envs", "num_steps"}) +
                    ": key 'minibatch_size' (" + std::to_string(minibatch) +
                    ") must divide num_envs × num_steps (= " + std::to_string(batch) + ")");
}

const json& Config::typed(const std::string& key, ConfigType type) const {
  const auto& index = schema_index().canonical;
  const auto found = index.find(key);
  if (found == index.end()) {
    throw std::logic_error("Config: no key '" + key +
                           "' in the schema (getters take canonical "
                           "names)");
  }
  const ConfigKey& entry = config_schema()[found->second];
  if (entry.type != type) {
    throw std::logic_error("Config: key '" + key + "' is " + type_phrase(entry.type) + ", not " +
                           type_phrase(type));
  }
  return values_.at(key);
}

int64_t Config::i64(const std::string& key) const { return typed(key, Type::kInt).get<int64_t>(); }

double Config::f64(const std::string& key) const { return typed(key, Type::kFloat).get<double>(); }

bool Config::flag(const std::string& key) const { return typed(key, Type::kBool).get<bool>(); }

const std::string& Config::str(const std::string& key) const {
  return typed(key, Type::kString).get_ref<const std::string&>();
}

std::vector<int64_t> Config::int_list(const std::string& key) const {
  return typed(key, Type::kIntList).get<std::vector<int64_t>>();
}

const json& Config::resolved() const { return values_; }

namespace {

std::string code(const std::string& text) { return "`" + text + "`"; }

std::string default_cell(const ConfigKey& key) {
  if (key.type == Type::kFloat) return code(format_number(key.default_value.get<double>()));
  if (key.type == Type::kIntList) {
    std::vector<std::string> parts;
    for (const json& element : key.default_value) parts.push_back(compact(element));
    return code("[" + join(parts, ", ") + "]");
  }
  return code(compact(key.default_value));
}

std::string allowed_cell(const ConfigKey& key) {
  if (!key.choices.empty()) {
    std::vector<std::string> quoted;
    for (const std::string& choice : key.choices) quoted.push_back(code(choice));
    return join(quoted, ", ");
  }
  std::string range = has_range(key) ? range_phrase(key) : "";
  if (range.rfind("in ", 0) == 0) range = range.substr(3);
  if (key.type == Type::kIntList) return "non-empty; each " + (range.empty() ? "any" : range);
  if (key.type == Type::kBool) return "`true`, `false`";
  return range.empty() ? "any" : range;
}

const char* const kIntro = R"(# Configuration reference

<!-- Generated by lever::config_reference_markdown() from the schema in
src/lever/core/config.cpp; edit the schema, not this file. The ConfigDocs test fails when they
differ; rewrite this file with
LEVER_UPDATE_DOCS=1 ./build/lever_base_tests --gtest_filter='ConfigDocs*' -->

An experiment is one object of flat keys in a JSON file:

```json
{
  "env": "cartpole",
  "total_steps": 500000,
  "learning_rate": 3e-4,
  "hidden_sizes": [64, 64]
}
```

or the same object in YAML, in a `.yml` or `.yaml` file:

```yaml
env: cartpole
total_steps: 500000
learning_rate: 3.0e-4
hidden_sizes: [64, 64]
```

YAML values are typed as PyYAML reads them: `true`, `True`, `yes` and `on` (and `false`,
`False`, `no`, `off`) are booleans, `16` is an integer, `3.0e-4`, `1e-3` and `.5` are numbers,
`~` and `null` are nothing, anything else is text, and a quoted value (`"16"`) is always text. A
YAML file whose every top-level value is a mapping of its own (`easy: {...}`, `hard: {...}`) is
a train-procgen hyperparameter file instead, read one section at a time with
`lever train FILE --param_name SECTION` (docs/TRAIN_PROCGEN.md). The recurrent PPO reference's
configs load as written; "The recurrent PPO reference's keys" below maps them. A `pbt:`
mapping is a Population Based Training section, read by `lever pbt` and skipped by every other
command (its keys: docs/PBT.md).

Every key has exactly one home: the tables below give its type, default, allowed values and
meaning. Keys a file leaves out take their defaults. A few keys also accept an alias, the name
another code base uses for the same setting; a file may give a key or its alias, not both.
Integer keys accept integral numbers written as floats (`2e6`), never fractions (`2.5`).

A run writes its resolved config, every key with its value, to `runs/<name>/config.json`, and
that file loads as a config again, so a run can be repeated from its own directory.

## Overrides: `--set key=value`

`--set` changes one key after the file is read; give it once per key, and later ones win. The
value is read as JSON when it parses as JSON (`--set num_envs=16`, `--set anneal_lr=false`,
`--set hidden_sizes=[128,128]`, `--set lr=3e-4`) and as text otherwise
(`--set env=cartpole`). A string key always takes the text as written
(`--set description=2024` is the text "2024"). Overrides are checked exactly like the file.

## Errors

A mistake stops `lever` before anything runs, with exit code 2 and one line that names the file
(or `--set`) and the key:

```
exp.json: unknown key 'num_env' (did you mean 'num_envs'?)
exp.json: key 'num_envs' must be an integer, got "eight"
exp.json: key 'gamma' must be in [0, 1], got 1.5
exp.json: key 'clip_coef' must be > 0, got -1
exp.json: key 'activation' must be one of tanh, relu; got "sigmoid"
exp.json: keys 'lr' and 'learning_rate' name the same setting; give one
exp.json: key 'num_envs' appears twice
exp.json: key 'minibatch_size' (100) must divide num_envs × num_steps (= 512)
exp.json: invalid JSON: <where the parser stopped and why>
exp.json: top level must be a JSON object
exp.json: cannot read config file
exp.yaml: invalid YAML at line 3: <what the parser found there>
exp.yaml: key 'recurrence.layer_type' appears twice (lines 12 and 14)
exp.yaml: key 'recurrence.layer_type' must be one of gru, lstm; got "rnn"
exp.yaml: keys 'learning_rate_schedule.initial' and 'learning_rate' name the same setting; give one
--set: expected key=value, got 'foo'
```

## Keys
)";

const char* const kReservedSection = R"(
## The reserved key `lever`

A run records where it came from in its `config.json` under the key `lever`: an object with
lever's version, the git commit lever was built from and the machine it ran on. Loading a
config accepts this key when it holds an object and ignores it, so a run's `config.json` loads
as a config; the resolved config never contains it.
)";

}  // namespace

std::string config_reference_markdown() {
  std::ostringstream out;
  out << kIntro;
  for (const SectionInfo& section : kSections) {
    out << "\n### " << section.name << "\n\n" << section.summary << "\n\n";
    out << "| key | aliases | type | default | allowed | meaning |\n";
    out << "|---|---|---|---|---|---|\n";
    for (const ConfigKey& key : config_schema()) {
      if (key.section != section.name) continue;
      std::vector<std::string> aliases;
      for (const std::string& alias : key.aliases) aliases.push_back(code(alias));
      out << "| " << code(key.name) << " | " << join(aliases, ", ") << " | " << type_name(key.type)
          << " | " << default_cell(key) << " | " << allowed_cell(key) << " | " << key.doc << " |\n";
    }
  }
  out << "\n## The levers study's keys\n\n"
      << "The levers study names some settings differently. A config may use either name (not\n"
      << "both); `total_steps`, which the study writes as a float (`2e6`), loads because it is\n"
      << "integral. `policy` and `encoder` must name what lever implements (see the tables).\n\n"
      << "| levers study | lever key |\n|---|---|\n";
  const auto& index = schema_index();
  for (const char* study_key : kLeversStudyKeys) {
    const std::string& name = config_schema()[index.any_name.at(study_key)].name;
    out << "| " << code(study_key) << " | " << code(name)
        << (name == study_key ? " (same name)" : " (alias)") << " |\n";
  }
  out << reference_keys_markdown();
  out << kReservedSection;
  return out.str();
}

}  // namespace lever
