// Reads a video file back frame by frame with libavformat/libavcodec, independently of
// VideoWriter, so tests can check what a writer (or the saliency CLI) produced.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <utility>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include "lever/core/image.h"

namespace lever::testing {

// Every frame of the file as RGB, in order; records a test failure (and returns what it has)
// when the file cannot be opened or holds no video stream.
inline std::vector<Image> decode_all(const std::filesystem::path& path) {
  AVFormatContext* format = nullptr;
  if (avformat_open_input(&format, path.c_str(), nullptr, nullptr) < 0) {
    ADD_FAILURE() << "cannot open " << path;
    return {};
  }
  avformat_find_stream_info(format, nullptr);
  const AVCodec* decoder = nullptr;
  const int stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  std::vector<Image> frames;
  if (stream < 0 || decoder == nullptr) {
    ADD_FAILURE() << "no video stream in " << path;
    avformat_close_input(&format);
    return frames;
  }
  AVCodecContext* codec = avcodec_alloc_context3(decoder);
  avcodec_parameters_to_context(codec, format->streams[stream]->codecpar);
  EXPECT_EQ(avcodec_open2(codec, decoder, nullptr), 0);
  AVPacket* packet = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  SwsContext* to_rgb = nullptr;
  auto receive = [&] {
    while (avcodec_receive_frame(codec, frame) == 0) {
      to_rgb = sws_getCachedContext(
          to_rgb, frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
          frame->width, frame->height, AV_PIX_FMT_RGB24, SWS_POINT, nullptr, nullptr, nullptr);
      Image image;
      image.resize(frame->width, frame->height);
      uint8_t* out[1] = {image.pixels.data()};
      const int out_stride[1] = {image.width * 3};
      sws_scale(to_rgb, frame->data, frame->linesize, 0, frame->height, out, out_stride);
      frames.push_back(std::move(image));
    }
  };
  while (av_read_frame(format, packet) >= 0) {
    if (packet->stream_index == stream) avcodec_send_packet(codec, packet);
    av_packet_unref(packet);
    receive();
  }
  avcodec_send_packet(codec, nullptr);
  receive();
  sws_freeContext(to_rgb);
  av_frame_free(&frame);
  av_packet_free(&packet);
  avcodec_free_context(&codec);
  avformat_close_input(&format);
  return frames;
}

}  // namespace lever::testing
